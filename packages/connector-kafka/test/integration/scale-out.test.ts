import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KAFKA_VERSIONS } from '@dstream/test-servers';
import { type TestKafka, produceEvenly, testKafka } from './kafka-server.js';
import { kcat } from './kcat.js';

const job = fileURLToPath(new URL('./fixtures/scale-out-job.ts', import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const children = new Set<ChildProcess>();

afterAll(() => {
  // Never leave a job process behind, even when the test failed half-way.
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

interface Instance {
  child: ChildProcess;
  /** Each assignment the instance printed, in order. */
  assignments: string[][];
  stderr: string[];
}

function startInstance(args: string[], name: string, rate: number): Instance {
  const child = spawn(
    process.execPath,
    ['--conditions=@dstream/source', '--import', 'tsx', job, ...args, name, String(rate)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  const instance: Instance = { child, assignments: [], stderr: [] };
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const parsed = JSON.parse(line) as { assigned?: string[] };
      if (parsed.assigned !== undefined) instance.assignments.push(parsed.assigned);
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    if (instance.stderr.length < 50) instance.stderr.push(chunk.toString());
  });
  return instance;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

/** Waits (bounded) until `ok()` holds; fails naming `what`. */
async function until(
  what: string,
  ok: () => boolean | Promise<boolean>,
  ms: number,
  instances: readonly Instance[],
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) {
      const seen = instances.map((i) => `${JSON.stringify(i.assignments)} stderr: ${i.stderr.join('')}`);
      throw new Error(`timed out waiting for ${what}; instances: ${seen.join(' | ')}`);
    }
    await sleep(100);
  }
}

async function committedTotal(server: TestKafka, groupId: string, topic: string): Promise<number> {
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

const last = (i: Instance): string[] | undefined => i.assignments.at(-1);

describe.each(KAFKA_VERSIONS)('direct stream scale-out (subscribe) on Kafka %s', (version) => {
  let server: TestKafka;

  beforeAll(async () => {
    server = await testKafka('kafka', version);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('two instances split 6 partitions; one SIGKILLed, the other takes all over: every record exactly once', async () => {
    const input = await server.topic(6);
    const output = await server.topic(3);
    const groupId = `scale-${input}`;
    const total = 6000;
    await produceEvenly(server.kafka, input, total, 6, (i) => ({ key: `k${i}`, value: String(i) }));
    const args = [server.bootstrap.join(','), input, output, groupId];

    const a = startInstance(args, 'a', 100);
    await until('instance a to own all 6 partitions', () => last(a)?.length === 6, 30_000, [a]);
    const b = startInstance(args, 'b', 65);
    await until('the group to split 3 + 3', () => last(a)?.length === 3 && last(b)?.length === 3, 30_000, [
      a,
      b,
    ]);
    const split = new Set([...last(a)!, ...last(b)!]);
    expect(split.size).toBe(6);
    // Both instances make progress after the split, then a dies in the middle of the run.
    const atSplit = await committedTotal(server, groupId, input);
    await until(
      'progress after the split',
      async () => (await committedTotal(server, groupId, input)) > atSplit + 600,
      30_000,
      [a, b],
    );
    const atKill = await committedTotal(server, groupId, input);
    expect(atKill).toBeLessThan(total);
    await kill(a.child);

    await until('instance b to take over all 6 partitions', () => last(b)?.length === 6, 30_000, [b]);
    await until(
      'every input offset committed',
      async () => (await committedTotal(server, groupId, input)) === total,
      40_000,
      [b],
    );
    await kill(b.child);

    // kcat reads read_committed: the killed instance's open transactions are invisible (aborted).
    const lines = (
      await kcat([
        '-b',
        server.bootstrap.join(','),
        '-C',
        '-t',
        output,
        '-o',
        'beginning',
        '-e',
        '-q',
        '-f',
        '%s %h\n',
      ])
    )
      .trim()
      .split('\n');
    const values = lines.map((l) => l.split(' ')[0]!);
    expect(values).toHaveLength(total);
    expect(new Set(values).size).toBe(total);
    const present = new Set(values);
    expect(Array.from({ length: total }, (_, i) => `out-${i}`).filter((v) => !present.has(v))).toEqual([]);
    const writers = new Set(lines.map((l) => l.split(' ')[1]));
    expect(writers).toEqual(new Set(['instance=a', 'instance=b']));
  }, 120_000);
});
