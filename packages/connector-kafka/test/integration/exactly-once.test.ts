import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { type TestKafka, testClients, testKafka } from './kafka-server.js';
import { kcat } from './kcat.js';

let server: TestKafka;
const job = fileURLToPath(new URL('./fixtures/exactly-once-job.ts', import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const children = new Set<ChildProcess>();

afterAll(async () => {
  // Never leave a job process behind, even when the test failed half-way.
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function startJob(args: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--conditions=@dstream/source', '--import', 'tsx', job, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.resume();
  child.stderr?.resume();
  children.add(child);
  return child;
}

async function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}

async function committedTotal(groupId: string, topic: string): Promise<number> {
  // A new group's coordinator may still be loading (NOT_COORDINATOR): ask again.
  for (let attempt = 1; ; attempt++) {
    try {
      const [t] = await server.admin.fetchOffsets({ groupId, topics: [topic] });
      return t!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    } catch (error) {
      if (attempt >= 20) throw error;
      await sleep(250);
    }
  }
}

describe.each(testClients())('exactly once through process kills, with %s', (client) => {
  beforeAll(async () => {
    server = await testKafka('kafka', undefined, client);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('SIGKILLed at random moments and restarted, the job writes every input record exactly once', async () => {
    const input = await server.topic(3);
    const output = await server.topic(2);
    const groupId = `eos-${input}`;
    const total = 3000;
    const producer = server.kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: input,
      acks: -1,
      messages: Array.from({ length: total }, (_, i) => ({ key: `k${i}`, value: String(i) })),
    });
    await producer.disconnect();

    const args = [server.bootstrap.join(','), input, output, groupId, client];
    // A bounded number of kills at random moments, each after the job made some progress.
    for (let round = 0; round < 5; round++) {
      const child = startJob(args);
      const before = await committedTotal(groupId, input);
      const deadline = Date.now() + 30_000;
      while ((await committedTotal(groupId, input)) === before && before < total && Date.now() < deadline) {
        await sleep(100);
      }
      await sleep(Math.floor(Math.random() * 400));
      await kill(child, 'SIGKILL');
    }
    // A last run to the end.
    const last = startJob(args);
    const deadline = Date.now() + 60_000;
    while ((await committedTotal(groupId, input)) < total && Date.now() < deadline) await sleep(200);
    await kill(last, 'SIGKILL');
    expect(await committedTotal(groupId, input)).toBe(total);

    // kcat (librdkafka) reads read_committed by default: aborted zombie transactions are invisible.
    const lines = (
      await kcat(['-b', server.bootstrap.join(','), '-C', '-t', output, '-o', 'beginning', '-e', '-q'])
    )
      .trim()
      .split('\n');
    expect(lines).toHaveLength(total);
    expect(new Set(lines).size).toBe(total);
    expect(lines.every((l) => /^out-\d+$/.test(l))).toBe(true);
  }, 240_000);
});
