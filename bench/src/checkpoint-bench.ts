import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, ManualClock, StreamingContext } from '@dstream/core';
import { compare, type Result } from './measure.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A stateful job (updateStateByKey over `keys` keys) run for `batches` batches, with a checkpoint
 * after every batch or without checkpoints; the time includes writing the last checkpoint.
 */
async function runStateful(
  records: Array<[string, number]>,
  batches: number,
  checkpointDir: string | undefined,
): Promise<void> {
  const clock = new ManualClock();
  const ctx = new StreamingContext({ batchInterval: 1000, clock, logger: quiet });
  if (checkpointDir !== undefined) ctx.checkpoint(checkpointDir, { interval: 1000, retain: 2 });
  const queue = Array.from({ length: batches }, () => records);
  ctx
    .queueStream(queue)
    .updateStateByKey<string, number, number>((values, total) => {
      let sum = total ?? 0;
      for (const v of values) sum += v;
      return sum;
    })
    .foreachBatch(() => {});
  await ctx.start();
  for (let i = 1; i <= batches; i++) {
    clock.advance(1000);
    await ctx.whenBatchCompleted(i * 1000);
  }
  await ctx.stop({ graceful: true });
}

export async function checkpointCost(
  keys: number,
  perBatch: number,
  batches: number,
  rounds: number,
): Promise<Result[]> {
  const records = Array.from({ length: perBatch }, (_, i): [string, number] => [`key-${i % keys}`, 1]);
  const base = await mkdtemp(join(tmpdir(), 'dstream-bench-ckpt-'));
  let run = 0;
  try {
    return await compare(perBatch * batches, rounds, [
      {
        label: `updateStateByKey, ${keys / 1000}k keys, no checkpoint`,
        run: () => runStateful(records, batches, undefined),
      },
      {
        label: `updateStateByKey, ${keys / 1000}k keys, checkpoint every batch`,
        run: () => runStateful(records, batches, join(base, String(run++))),
      },
    ]);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}
