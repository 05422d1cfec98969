import { StreamingContext, formatRecord } from '@dstream/core';
import { startLineGenerator } from './line-generator.js';
import { networkWordCount } from './network-word-count.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`--${name} needs a positive number, got ${JSON.stringify(process.argv[i + 1])}`);
    process.exit(2);
  }
  return value;
}

const batchInterval = option('batch-interval', 1000);
const duration = option('duration', Number.POSITIVE_INFINITY);
const rate = option('rate', 50);

const generator = await startLineGenerator({ linesPerSecond: rate });
console.log(
  `dstream demo: NetworkWordCount on an embedded line generator at ${generator.host}:${generator.port}`,
);
console.log(`batch interval ${batchInterval} ms; Ctrl-C stops gracefully\n`);

const ctx = new StreamingContext({ batchInterval, appName: 'NetworkWordCount', receiverRestartDelay: 500 });
const { perBatch, totals, windowed } = networkWordCount(ctx, {
  host: generator.host,
  port: generator.port,
  windowMs: batchInterval * 10,
  slideMs: batchInterval * 5,
});
perBatch.print(5);
totals.foreachBatch((batch) => {
  const top = batch.partitions
    .flat()
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5);
  console.log(`totals so far: ${top.map(formatRecord).join(' ')}`);
});
windowed.foreachBatch((batch) => {
  const all = batch.partitions.flat().sort((a, b) => b[1] - a[1]);
  console.log(`last ${(batchInterval * 10) / 1000} s: ${all.slice(0, 5).map(formatRecord).join(' ')}`);
});
ctx.addStreamingListener({
  onBatchCompleted(info) {
    console.log(
      `batch ${info.batchTime}: ${info.numRecords} lines, scheduling delay ${info.schedulingDelay} ms, processing ${info.processingDelay} ms\n`,
    );
  },
});

let stopping = false;
const stop = async (reason: string): Promise<void> => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${reason}: stopping gracefully (processing what was received)…`);
  await ctx.stop({ graceful: true });
  await generator.close();
  console.log(`stopped; the generator wrote ${generator.linesWritten} lines`);
};
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));
if (Number.isFinite(duration)) setTimeout(() => void stop(`${duration} ms elapsed`), duration).unref();

await ctx.start();
await ctx.awaitTermination();
