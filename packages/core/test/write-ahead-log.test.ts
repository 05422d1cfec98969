import { appendFile, mkdtemp, readdir, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  GuaranteeError,
  type Logger,
  ManualClock,
  type Receiver,
  type ReceiverContext,
  StreamingContext,
} from '../src/index.js';
import { WriteAheadLog } from '../src/wal/write-ahead-log.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const dirs: string[] = [];
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'dstream-wal-'));
  dirs.push(d);
  return d;
};
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('WriteAheadLog', () => {
  it('reads back what was appended, across segments, in order', async () => {
    const dir = await tempDir();
    const wal = new WriteAheadLog(dir, 64);
    await wal.open();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => wal.append(Buffer.from(`record-${i}-${'x'.repeat(20)}`))),
    );
    await wal.close();
    const read = await new WriteAheadLog(dir).readAll();
    expect(read.map((r) => r.payload.toString().split('-').slice(0, 2).join('-'))).toEqual(
      Array.from({ length: 10 }, (_, i) => `record-${i}`),
    );
    expect((await readdir(dir)).length).toBeGreaterThan(1);
  });

  it('drops a torn tail record and a corrupt one, never reading them as data', async () => {
    const dir = await tempDir();
    const wal = new WriteAheadLog(dir);
    await wal.open();
    await wal.append(Buffer.from('first'));
    await wal.append(Buffer.from('second'));
    await wal.close();
    const [segment] = await readdir(dir);
    await truncate(join(dir, segment!), 8 + 5 + 8 + 3); // the second record cut in the middle
    expect((await new WriteAheadLog(dir).readAll()).map((r) => r.payload.toString())).toEqual(['first']);
    await appendFile(join(dir, segment!), Buffer.from([0, 0, 0, 2, 1, 2, 3, 4, 9, 9]));
    expect((await new WriteAheadLog(dir).readAll()).map((r) => r.payload.toString())).toEqual(['first']);
    // Appends after reopening go to a new segment, never behind the torn tail.
    const again = new WriteAheadLog(dir);
    await again.open();
    await again.append(Buffer.from('third'));
    await again.close();
    expect((await new WriteAheadLog(dir).readAll()).map((r) => r.payload.toString())).toEqual([
      'first',
      'third',
    ]);
  });
});

/** A reliable receiver driven by the test: acks (resolves) only after storeAll resolved. */
function pushReceiver(): { receiver: Receiver<string>; push(records: string[]): Promise<void> } {
  let context: ReceiverContext<string> | undefined;
  return {
    receiver: {
      name: 'push',
      reliable: true,
      onStart(c) {
        context = c;
      },
      onStop() {},
    },
    push: (records) => context!.storeAll(records),
  };
}

describe('receivers with the write-ahead log', () => {
  it('is replayable only for reliable receivers, and needs a directory', async () => {
    const ctx = new StreamingContext({
      batchInterval: 1000,
      writeAheadLog: true,
      clock: new ManualClock(),
      logger: quiet,
    });
    ctx.receiverStream(pushReceiver().receiver).print();
    ctx.socketTextStream('127.0.0.1', 9).print();
    const [reliable, socket] = ctx.guarantees();
    expect(reliable!.reasons[0]).toMatch(
      /replayable \(blocks are in the write-ahead log before the receiver acknowledges/,
    );
    expect(socket!.reasons[0]).toMatch(/not replayable .*unreliable/);
    // No loss, but a crash between the log write and the upstream ack makes the upstream resend.
    expect(reliable!.guarantee).toBe('at-least-once');
    expect(socket!.guarantee).toBe('at-most-once');
    await expect(ctx.start()).rejects.toThrow(/writeAheadLog needs a directory/);
  });

  it('a reliable receiver with the log is at least once even into an idempotent sink (redelivery)', () => {
    const ctx = new StreamingContext({
      batchInterval: 1000,
      writeAheadLog: { directory: '/nonexistent' },
      clock: new ManualClock(),
      logger: quiet,
      requireGuarantee: 'exactly-once',
    });
    ctx.receiverStream(pushReceiver().receiver).to({
      name: 'upserts',
      guarantee: 'idempotent',
      mechanism: 'upsert by batch time and partition',
      async writePartition() {},
    });
    const [g] = ctx.guarantees();
    expect(g!.guarantee).toBe('at-least-once');
    expect(g!.weakest[0]).toMatch(/records in flight at a crash are sent again/);
    return expect(ctx.start()).rejects.toThrow(GuaranteeError);
  });

  const job =
    (
      dir: string,
      clock: ManualClock,
      push: ReturnType<typeof pushReceiver>,
      outputs: Map<number, string[]>,
      failAt?: number,
    ) =>
    () => {
      const ctx = new StreamingContext({ batchInterval: 1000, clock, writeAheadLog: true, logger: quiet });
      ctx.checkpoint(dir);
      ctx.receiverStream(push.receiver).foreachBatch((b) => {
        if (b.time === failAt) throw new Error(`crash while processing ${b.time}`);
        outputs.set(b.time, b.partitions.flat());
      });
      return ctx;
    };

  it('a batch whose blocks were allocated before a crash replays at its own time with exactly those blocks', async () => {
    const dir = await tempDir();
    const outputs = new Map<number, string[]>();
    const clock1 = new ManualClock();
    const push1 = pushReceiver();
    const first = await StreamingContext.getOrCreate(dir, job(dir, clock1, push1, outputs, 2000));
    await first.start();
    await push1.push(['a', 'b']);
    clock1.advance(1000);
    await first.whenBatchCompleted(1000);
    await push1.push(['c']);
    clock1.advance(1000);
    await expect(first.awaitTermination()).rejects.toThrow('crash while processing 2000');

    const clock2 = new ManualClock(clock1.now());
    const push2 = pushReceiver();
    const second = await StreamingContext.getOrCreate(dir, job(dir, clock2, push2, outputs));
    await second.start();
    await second.whenBatchCompleted(2000);
    await push2.push(['d']);
    clock2.advance(1000);
    await second.whenBatchCompleted(3000);
    await second.stop();
    expect([...outputs]).toEqual([
      [1000, ['a', 'b']],
      [2000, ['c']],
      [3000, ['d']],
    ]);
  });

  it('acknowledged blocks that no batch took before a crash go into the first batch after the restart', async () => {
    const dir = await tempDir();
    const outputs = new Map<number, string[]>();
    const clock1 = new ManualClock();
    const push1 = pushReceiver();
    const first = await StreamingContext.getOrCreate(dir, job(dir, clock1, push1, outputs));
    await first.start();
    await push1.push(['x', 'y']);
    await push1.push(['z']);
    await first.stop({ graceful: false }); // acknowledged, never in a batch
    expect(outputs.size).toBe(0);

    const clock2 = new ManualClock(clock1.now());
    const second = await StreamingContext.getOrCreate(dir, job(dir, clock2, pushReceiver(), outputs));
    await second.start();
    clock2.advance(1000);
    await second.whenBatchCompleted(1000);
    await second.stop();
    expect([...outputs]).toEqual([[1000, ['x', 'y', 'z']]]);
  });

  it('deletes log segments once a checkpoint covers their batches', async () => {
    const dir = await tempDir();
    const outputs = new Map<number, string[]>();
    const clock = new ManualClock();
    const push = pushReceiver();
    const ctx = await StreamingContext.getOrCreate(dir, job(dir, clock, push, outputs));
    await ctx.start();
    for (let i = 1; i <= 5; i++) {
      await push.push([`r${i}`]);
      clock.advance(1000);
      await ctx.whenBatchCompleted(i * 1000);
    }
    await ctx.stop({ graceful: true });
    const segments = await readdir(join(dir, 'receivedData'));
    expect(segments.length).toBeLessThanOrEqual(3);
    expect(outputs.size).toBe(5);
  });
});
