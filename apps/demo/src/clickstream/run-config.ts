import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where each output goes: the real server, or the embedded file stand-in (connector-file). */
export interface OutputChoice {
  readonly redis: { readonly url: string } | { readonly standIn: string };
  readonly mysql:
    | { readonly host: string; readonly port: number; readonly database: string }
    | { readonly standIn: string };
  readonly hbase: { readonly zookeeper: string } | { readonly standIn: string };
}

/**
 * Everything a run's processes share: the job after a restart, and the verifier. Written once when
 * the run starts (`run.json` in the run directory), read again on every restart.
 */
export interface RunConfig {
  readonly runId: string;
  readonly seed: number;
  readonly partitions: number;
  readonly batchInterval: number;
  readonly windowMs: number;
  readonly slideMs: number;
  readonly brokers: readonly string[];
  readonly embeddedKafka: boolean;
  readonly topics: { readonly input: string; readonly clean: string; readonly deadLetter: string };
  readonly groupId: string;
  readonly outputs: OutputChoice;
  /** MySQL table, HBase table and Redis key prefix of this run. */
  readonly names: {
    readonly totalsTable: string;
    readonly historyTable: string;
    readonly redisPrefix: string;
  };
  readonly checkpointDir: string;
}

export function runConfigPath(runDir: string): string {
  return join(runDir, 'run.json');
}

export async function readRunConfig(runDir: string): Promise<RunConfig | undefined> {
  const path = runConfigPath(runDir);
  if (!existsSync(path)) return undefined;
  return JSON.parse(await readFile(path, 'utf8')) as RunConfig;
}

export async function writeRunConfig(runDir: string, config: RunConfig): Promise<void> {
  await mkdir(runDir, { recursive: true });
  const path = runConfigPath(runDir);
  await writeFile(`${path}.tmp`, `${JSON.stringify(config, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}

/** Names of this run's topics, tables and keys: fresh per run, so runs never see each other's data. */
export function runNames(runId: string): Pick<RunConfig, 'topics' | 'groupId' | 'names'> {
  const safe = runId.replace(/[^a-zA-Z0-9]/g, '_');
  return {
    topics: { input: `clicks-${runId}`, clean: `clicks-clean-${runId}`, deadLetter: `clicks-dead-${runId}` },
    groupId: `clickstream-${runId}`,
    names: {
      totalsTable: `demo_user_totals_${safe}`,
      historyTable: `demo_history_${safe}`,
      redisPrefix: `demo:${runId}`,
    },
  };
}
