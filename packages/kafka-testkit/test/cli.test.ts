import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { kafkaClient } from './scenarios/kafkajs-helpers.js';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

function start(args: string[]): Promise<{ bootstrap: string[]; exited: Promise<number | null> }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let output = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /bootstrap (\S+)/.exec(output);
      if (match) resolve({ bootstrap: match[1]!.split(','), exited });
    });
    proc.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    proc.on('exit', (code) => reject(new Error(`cli exited with ${code}: ${output}`)));
  });
}

describe('dstream-kafka-testkit CLI', () => {
  it('serves kafkajs until SIGTERM, then exits 0', async () => {
    const { bootstrap, exited } = await start(['--port', '0', '--brokers', '2']);
    expect(bootstrap).toHaveLength(2);
    const admin = kafkaClient(bootstrap).admin();
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.disconnect();
    expect(cluster.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2]);
    child!.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('rejects a bad --brokers value with the usage text', async () => {
    await expect(start(['--brokers', 'zero'])).rejects.toThrow(/--brokers must be >= 1[\s\S]*Usage/);
  });
});
