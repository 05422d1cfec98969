import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { useClassDataArchive } from './class-data-sharing.js';
import { HBASE_JDK17_FLAGS, hbaseArchive, hbaseJarSet } from './hbase-config.js';
import { ensureJars } from './jar-cache.js';
import { requireJava } from './java-tools.js';
import { trackChild, trackDir, untrackChild, untrackDir } from './process-reaper.js';

/** One online region of a table, as hbase:meta lists it (split parents are left out). */
export interface HBaseRegion {
  /** Full region name, e.g. `t1,row-5,1795430316585.<encoded>.` */
  name: string;
  encodedName: string;
  /** Empty for the first region. */
  startKey: Buffer;
  /** Empty for the last region. */
  endKey: Buffer;
  /** `host,port,startcode` of the hosting region server, or null while unassigned. */
  server: string | null;
  host: string | null;
  port: number | null;
}

/**
 * Master operations for tests, run by a small Java program on the HBase client jars (a Node client
 * cannot do them: they are master RPCs). Keys and names are strings, encoded as UTF-8.
 */
export interface HBaseAdmin {
  /** Creates a table (families default to `['cf']`), pre-split at `splitKeys`. */
  createTable(table: string, options?: { families?: string[]; splitKeys?: string[] }): Promise<void>;
  /** Disables and deletes the table; false if it did not exist. */
  deleteTable(table: string): Promise<boolean>;
  flush(table: string): Promise<void>;
  /** Online regions in key order, with their servers, read fresh from hbase:meta. */
  regions(table: string): Promise<HBaseRegion[]>;
  /** `host,port,startcode` of every live region server. */
  regionServers(): Promise<string[]>;
  /** Moves a region (synchronously) to `toServer` (`host,port,startcode`) or to any other server. */
  moveRegion(encodedName: string, toServer?: string): Promise<void>;
  /** Splits the region holding `splitPoint` there; resolves once the daughter is in meta with a server. */
  splitRegion(table: string, splitPoint: string): Promise<boolean>;
  /** Turns the balancer on or off; returns the previous state. */
  setBalancer(on: boolean): Promise<boolean>;
  /** Ends the admin JVM. */
  close(): Promise<void>;
}

const SOURCE = fileURLToPath(new URL('../hbase/DstreamHBaseAdmin.java', import.meta.url));
const LOG4J2_STDERR = `status = warn
appender.err.type = Console
appender.err.name = err
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = %d{ISO8601} %-5p [%t] %c{2}: %m%n
rootLogger.level = warn
rootLogger.appenderRef.err.ref = err
logger.zk.name = org.apache.zookeeper
logger.zk.level = error
`;
const COMMAND_TIMEOUT_MS = 180_000;

/** Compiles the admin program once per jar cache and source version. */
async function adminClasses(lib: string): Promise<string> {
  const source = readFileSync(SOURCE);
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 12);
  const dir = join(dirname(lib), `admin-${hash}`);
  if (existsSync(join(dir, '.complete'))) return dir;
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  await run('javac', ['-nowarn', '-encoding', 'UTF-8', '-cp', `${lib}/*`, '-d', tmp, SOURCE]);
  await writeFile(join(tmp, 'log4j2.properties'), LOG4J2_STDERR);
  await writeFile(join(tmp, '.complete'), `${new Date().toISOString()}\n`);
  try {
    await rename(tmp, dir);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    if (!existsSync(join(dir, '.complete'))) throw error;
  }
  return dir;
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} failed (exit ${code}):\n${output.trim()}`)),
    );
  });
}

/** Opens an admin session on the HBase whose ZooKeeper is `zookeeper` (`host:port` or an object). */
export async function openHBaseAdmin(
  zookeeper: string | { zookeeperHost: string; zookeeperPort: number },
): Promise<HBaseAdmin> {
  const [host, port] =
    typeof zookeeper === 'string'
      ? zookeeper.split(':')
      : [zookeeper.zookeeperHost, String(zookeeper.zookeeperPort)];
  if (!host || !port || !/^\d+$/.test(port))
    throw new Error(`openHBaseAdmin: bad ZooKeeper address ${String(zookeeper)}`);
  requireJava();
  const lib = await ensureJars(hbaseJarSet);
  const classes = await adminClasses(lib);
  const scratch = await mkdtemp(join(tmpdir(), 'dstream-hbase-admin-'));
  trackDir(scratch);
  const child: ChildProcess = spawn(
    'java',
    [
      '-Xmx256m',
      '-XX:TieredStopAtLevel=1',
      '-XX:-UsePerfData',
      ...useClassDataArchive(hbaseArchive(lib)),
      '-Djava.net.preferIPv4Stack=true',
      // HBase's static DynamicClassLoader reads a fresh default config: java.io.tmpdir keeps its
      // /tmp/hbase-<user>/local/jars inside our scratch dir
      `-Djava.io.tmpdir=${scratch}`,
      `-Dlog4j2.configurationFile=${join(classes, 'log4j2.properties')}`,
      ...HBASE_JDK17_FLAGS,
      '-cp',
      `${lib}/*:${classes}`, // jars first, so the class-data archive's classpath is a prefix
      'DstreamHBaseAdmin',
      host,
      port,
      scratch,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const pid = child.pid;
  if (pid !== undefined) trackChild(pid);
  const stderr: string[] = [];
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > 40) stderr.shift();
  });
  const waiting: Array<{ resolve: (line: string) => void; reject: (error: Error) => void }> = [];
  let exited = false;
  const exitError = () => new Error(`the HBase admin JVM exited; its last output:\n${stderr.join('\n')}`);
  let cleaned: Promise<void> | undefined;
  const gone = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      if (pid !== undefined) untrackChild(pid);
      cleaned = rm(scratch, { recursive: true, force: true })
        .catch(() => {})
        .then(() => untrackDir(scratch));
      for (const pending of waiting.splice(0)) pending.reject(exitError());
      resolve();
    });
  });
  child.stdin?.on('error', () => {});
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) =>
    waiting.shift()?.resolve(line),
  );
  const nextLine = (timeoutMs: number, what: string) =>
    new Promise<string>((resolve, reject) => {
      if (exited) return reject(exitError());
      const timer = setTimeout(() => {
        reject(new Error(`HBase admin: no answer to ${what} within ${timeoutMs / 1000} s`));
        child.kill('SIGKILL');
      }, timeoutMs);
      waiting.push({
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });

  try {
    const ready = await nextLine(COMMAND_TIMEOUT_MS, 'connect');
    if (ready !== 'READY') throw new Error(`HBase admin: unexpected first line ${ready}`);
  } catch (error) {
    child.kill('SIGKILL');
    await gone;
    await cleaned;
    throw error;
  }

  const call = async (args: string[]): Promise<unknown> => {
    const answer = nextLine(COMMAND_TIMEOUT_MS, args[0] ?? '');
    child.stdin?.write(`${args.map((arg) => Buffer.from(arg, 'utf8').toString('base64')).join(' ')}\n`);
    const line = await answer;
    const body = Buffer.from(line.slice(line.indexOf(' ') + 1), 'base64').toString('utf8');
    if (line.startsWith('OK ')) return JSON.parse(body);
    throw new Error(`HBase admin ${args[0]} ${args[1] ?? ''} failed: ${body}`);
  };

  return {
    async createTable(table, options = {}) {
      const families = options.families ?? ['cf'];
      await call(['create', table, families.join(','), ...(options.splitKeys ?? [])]);
    },
    async deleteTable(table) {
      return (await call(['drop', table])) as boolean;
    },
    async flush(table) {
      await call(['flush', table]);
    },
    async regions(table) {
      const regions = (await call(['regions', table])) as Array<
        Omit<HBaseRegion, 'startKey' | 'endKey'> & { startKey: string; endKey: string }
      >;
      return regions.map((region) => ({
        ...region,
        startKey: Buffer.from(region.startKey, 'base64'),
        endKey: Buffer.from(region.endKey, 'base64'),
      }));
    },
    async regionServers() {
      return (await call(['servers'])) as string[];
    },
    async moveRegion(encodedName, toServer) {
      await call(['move', encodedName, ...(toServer ? [toServer] : [])]);
    },
    async splitRegion(table, splitPoint) {
      return (await call(['split', table, splitPoint])) as boolean;
    },
    async setBalancer(on) {
      return (await call(['balancer', String(on)])) as boolean;
    },
    async close() {
      if (!exited) {
        child.stdin?.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await gone;
        clearTimeout(timer);
      }
      await cleaned;
    },
  };
}
