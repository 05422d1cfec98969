import { describe, expect, it } from 'vitest';
import {
  type BatchInfo,
  ConfigError,
  DStreamError,
  GuaranteeError,
  ManualClock,
  type OutputOperationInfo,
  type Sink,
  type Source,
  StateError,
  StreamingContext,
} from '../src/index.js';
import { collect, createTestContext } from '../src/testing/index.js';

describe('StreamingContext lifecycle', () => {
  it('rejects a bad batch interval with a ConfigError naming it', () => {
    expect(() => new StreamingContext({ batchInterval: 0 })).toThrow(ConfigError);
    expect(() => new StreamingContext({ batchInterval: 0 })).toThrow(
      /batchInterval must be a whole number > 0, got 0/,
    );
    expect(() => new StreamingContext({ batchInterval: 1000, defaultParallelism: -1 })).toThrow(
      /defaultParallelism/,
    );
  });

  it('refuses to start with no output operation', async () => {
    const ctx = new StreamingContext({ batchInterval: 1000, clock: new ManualClock() });
    ctx.queueStream([[1]]).map((x) => x);
    await expect(ctx.start()).rejects.toThrow(/no output operations registered/);
  });

  it('refuses to start twice and to restart after stop', async () => {
    const { ctx } = createTestContext();
    ctx.queueStream([[1]]).print();
    await ctx.start();
    await expect(ctx.start()).rejects.toThrow(StateError);
    await ctx.stop();
    await expect(ctx.start()).rejects.toThrow(/a stopped context cannot be restarted/);
  });

  it('refuses operations added after start', async () => {
    const { ctx } = createTestContext();
    const s = ctx.queueStream<number>([]);
    s.print();
    await ctx.start();
    expect(() => s.map((x) => x)).toThrow(/cannot add operation map after the StreamingContext has started/);
    expect(() => s.print()).toThrow(StateError);
    expect(() => ctx.queueStream([])).toThrow(StateError);
    await ctx.stop();
  });

  it('awaitTermination resolves on stop; awaitTerminationOrTimeout reports a timeout', async () => {
    const { ctx } = createTestContext();
    ctx.queueStream([[1]]).print();
    await ctx.start();
    expect(await ctx.awaitTerminationOrTimeout(10)).toBe(false);
    await ctx.stop();
    await expect(ctx.awaitTermination()).resolves.toBeUndefined();
    expect(await ctx.awaitTerminationOrTimeout(10)).toBe(true);
  });

  it('a failing output stops the context and awaitTermination rejects with the error', async () => {
    const { ctx, advance } = createTestContext({ maxTaskAttempts: 1 });
    ctx.queueStream([[1]]).foreachBatch(() => {
      throw new Error('boom');
    });
    await expect(advance(1)).rejects.toThrow('boom');
    await expect(ctx.awaitTermination()).rejects.toThrow('boom');
    expect(ctx.state).toBe('stopped');
  });

  it('runs batches on the system clock too', async () => {
    const ctx = new StreamingContext({ batchInterval: 20 });
    const queue: number[][] = [[1, 2], [3]];
    const out = collect(ctx.queueStream(queue));
    await ctx.start();
    for (let i = 0; i < 100 && out.flat().length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    await ctx.stop();
    expect(out.flat()).toEqual([1, 2, 3]);
  });

  it('fromJob builds the graph from a job function; the fingerprint follows the graph shape', () => {
    const job = (ctx: StreamingContext) => {
      ctx
        .queueStream<string>([])
        .map((w) => [w, 1] as [string, number])
        .reduceByKey((a, b) => a + b)
        .print();
    };
    const a = StreamingContext.fromJob(job, { batchInterval: 1000 });
    const b = StreamingContext.fromJob(job, { batchInterval: 1000 });
    const c = StreamingContext.fromJob((ctx) => ctx.queueStream<string>([]).print(), { batchInterval: 1000 });
    expect(a.graphFingerprint()).toBe(b.graphFingerprint());
    expect(a.graphFingerprint()).not.toBe(c.graphFingerprint());
    expect(a.describeGraph().join('\n')).toContain('reduceByKey(2)');
  });
});

describe('outputs', () => {
  it('print() writes Spark-style blocks with "..." past num records', async () => {
    let text = '';
    const { ctx, advance } = createTestContext({
      out: (t) => {
        text += t;
      },
    });
    ctx
      .queueStream<[string, number]>([
        [
          ['a', 1],
          ['b', 2],
          ['c', 3],
        ],
        [],
      ])
      .print(2);
    await advance(2);
    expect(text).toBe(
      [
        '-------------------------------------------',
        'Time: 1000 ms',
        '-------------------------------------------',
        '(a,1)',
        '(b,2)',
        '...',
        '',
        '-------------------------------------------',
        'Time: 2000 ms',
        '-------------------------------------------',
        '',
        '',
      ].join('\n'),
    );
  });

  it('foreachPartition retries a failed task and reports the attempt', async () => {
    const { ctx, advance } = createTestContext();
    const attempts: string[] = [];
    ctx.queueStream([[1, 2, 3]], { partitionSize: 2 }).foreachPartition((_records, c) => {
      attempts.push(`${c.partition}:${c.attempt}`);
      if (c.partition === 1 && c.attempt === 1) throw new Error('transient');
    });
    await advance(1);
    expect(attempts.sort()).toEqual(['0:1', '1:1', '1:2']);
  });

  it('a task that fails every attempt fails the batch with a TaskFailedError', async () => {
    const { ctx, advance } = createTestContext({ maxTaskAttempts: 2 });
    ctx.queueStream([[1]]).foreachPartition(() => {
      throw new Error('always');
    });
    await expect(advance(1)).rejects.toThrow();
    const error = await ctx.awaitTermination().catch((e: unknown) => e);
    expect(DStreamError.isInstance(error) && error.code).toBe('TASK_FAILED');
    expect(String(error)).toMatch(/failed after 2 attempt\(s\): always/);
  });

  it('to(sink) opens once, writes every partition with its context, then commits the batch', async () => {
    const events: string[] = [];
    const sink: Sink<number> = {
      name: 'recording',
      guarantee: 'idempotent',
      mechanism: 'records calls',
      async open() {
        events.push('open');
      },
      async writePartition(records, c) {
        events.push(
          `write ${c.batchTime}/${c.partition}/${c.numPartitions} [${records.join(',')}] ${c.outputId}`,
        );
      },
      async commitBatch(info) {
        events.push(`commit ${info.batchTime} ${info.numPartitions}`);
      },
      async close() {
        events.push('close');
      },
    };
    const { ctx, advance, stop } = createTestContext();
    ctx.queueStream([[1, 2, 3], [4]], { partitionSize: 2 }).to(sink);
    await advance(2);
    await stop();
    expect(events).toEqual([
      'open',
      'write 1000/0/2 [1,2] output-0-sink',
      'write 1000/1/2 [3] output-0-sink',
      'commit 1000 2',
      'write 2000/0/1 [4] output-0-sink',
      'commit 2000 1',
      'close',
    ]);
  });

  it('gives a sink the offset range of each partition while partitions follow the source', async () => {
    let n = 0;
    const source: Source<string> = {
      name: 'ranges',
      replayable: true,
      replayReason: 'offsets are deterministic',
      async compute() {
        const from = n;
        n += 2;
        return {
          partitions: [['x', 'y'], ['z']],
          offsetRanges: [
            { topic: 't', partition: 0, fromOffset: from, untilOffset: from + 2 },
            { topic: 't', partition: 1, fromOffset: from, untilOffset: from + 1 },
          ],
        };
      },
    };
    const seen: string[] = [];
    const sink = (name: string): Sink<string> => ({
      name,
      guarantee: 'transactional',
      mechanism: 'test',
      async writePartition(_records, c) {
        seen.push(
          `${name} p${c.partition} ${c.partitionOffsetRange ? `${c.partitionOffsetRange.partition}@${c.partitionOffsetRange.untilOffset}` : 'none'} ${c.offsetRanges.length}`,
        );
      },
    });
    const { ctx, advance } = createTestContext();
    const s = ctx.source(source);
    s.map((x) => x.toUpperCase()).to(sink('aligned'));
    s.repartition(1).to(sink('shuffled'));
    await advance(1);
    expect(seen.sort()).toEqual(['aligned p0 0@2 2', 'aligned p1 1@1 2', 'shuffled p0 none 2']);
  });
});

describe('listener events', () => {
  it('reports batches with records and delays, and output operations', async () => {
    const batches: BatchInfo[] = [];
    const ops: OutputOperationInfo[] = [];
    const events: string[] = [];
    const { ctx, advance, clock } = createTestContext();
    ctx.addStreamingListener({
      onStreamingStarted: () => events.push('started'),
      onBatchSubmitted: (b) => events.push(`submitted ${b.batchTime}`),
      onBatchStarted: (b) => events.push(`started ${b.batchTime}`),
      onBatchCompleted: (b) => {
        events.push(`completed ${b.batchTime}`);
        batches.push(b);
      },
      onOutputOperationCompleted: (o) => ops.push(o),
    });
    ctx.queueStream([[1, 2, 3], [4]]).foreachBatch(() => {
      clock.advance(0);
    });
    await advance(2);
    expect(events).toEqual([
      'started',
      'submitted 1000',
      'started 1000',
      'completed 1000',
      'submitted 2000',
      'started 2000',
      'completed 2000',
    ]);
    expect(batches.map((b) => b.numRecords)).toEqual([3, 1]);
    for (const b of batches) {
      expect(b.schedulingDelay).toBeGreaterThanOrEqual(0);
      expect(b.processingDelay).toBeGreaterThanOrEqual(0);
      expect(b.totalDelay).toBe((b.schedulingDelay ?? 0) + (b.processingDelay ?? 0));
    }
    expect(ops.map((o) => `${o.batchTime} ${o.outputId}`)).toEqual([
      '1000 output-0-foreachBatch',
      '2000 output-0-foreachBatch',
    ]);
  });

  it('a slow batch delays the next one, which shows as scheduling delay', async () => {
    const batches: BatchInfo[] = [];
    const ctx = new StreamingContext({
      batchInterval: 30,
      listeners: [{ onBatchCompleted: (b) => batches.push(b) }],
    });
    let first = true;
    ctx.queueStream<number>([], { defaultBatch: [1] }).foreachBatch(async () => {
      if (first) {
        first = false;
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    await ctx.start();
    for (let i = 0; i < 100 && batches.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    await ctx.stop();
    expect(batches[0]!.processingDelay).toBeGreaterThanOrEqual(90);
    expect(batches[1]!.schedulingDelay).toBeGreaterThan(30);
  });
});

describe('guarantees', () => {
  const sinkOf = (guarantee: Sink<unknown>['guarantee']): Sink<unknown> => ({
    name: `${guarantee}-sink`,
    guarantee,
    mechanism: `a ${guarantee} test sink`,
    async writePartition() {},
  });
  const replayable: Source<unknown> = {
    name: 'replayable-source',
    replayable: true,
    replayReason: 'positions in the checkpoint',
    async compute() {
      return { partitions: [] };
    },
  };

  it('computes each output guarantee from its sources and sink, with reasons', () => {
    const ctx = new StreamingContext({ batchInterval: 1000 });
    const r = ctx.source(replayable);
    const q = ctx.queueStream<unknown>([]);
    const sock = ctx.socketTextStream('127.0.0.1', 9);
    r.to(sinkOf('idempotent'));
    r.to(sinkOf('transactional'));
    r.to(sinkOf('at-least-once'));
    r.print();
    r.union(q).to(sinkOf('transactional'));
    sock.to(sinkOf('idempotent') as Sink<string>);
    const g = ctx.guarantees();
    expect(g.map((x) => x.guarantee)).toEqual([
      'exactly-once',
      'exactly-once',
      'at-least-once',
      'at-least-once',
      'at-most-once',
      'at-most-once',
    ]);
    expect(g[0]!.reasons).toEqual([
      'source replayable-source: replayable (positions in the checkpoint)',
      'output output-0-sink idempotent-sink: idempotent (a idempotent test sink)',
    ]);
    expect(g[4]!.weakest.join()).toContain('source queueStream: not replayable');
    expect(g[5]!.weakest.join()).toContain('socketTextStream(127.0.0.1:9): not replayable');
  });

  it('requireGuarantee refuses to start, naming the output and the step that breaks it', async () => {
    const ctx = new StreamingContext({
      batchInterval: 1000,
      requireGuarantee: 'exactly-once',
      clock: new ManualClock(),
    });
    ctx.source(replayable).to(sinkOf('idempotent'));
    ctx.source(replayable).to(sinkOf('at-least-once'));
    const error = await ctx.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GuaranteeError);
    expect(String(error)).toMatch(
      /requireGuarantee 'exactly-once' is not met: output-1-sink \(at-least-once-sink\) is at-least-once: output output-1-sink at-least-once-sink: at-least-once/,
    );
    const ok = new StreamingContext({
      batchInterval: 1000,
      requireGuarantee: 'at-least-once',
      clock: new ManualClock(),
    });
    ok.source(replayable).to(sinkOf('at-least-once'));
    await ok.start();
    await ok.stop();
  });
});
