import { type BatchInfo, type Logger, type ReceiverContext, StreamingContext } from '@dstream/core';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A receiver offering about 3× what the job can process (the job spends 0.1 ms of CPU per record,
 * so ~10 000 records/s; the receiver offers 30 000/s), run for `seconds` with or without
 * backpressure. Returns the scheduling delay a third and two thirds of the way through and at the end
 * (before the stop), and the rate that was settled on.
 */
export async function overload(
  seconds: number,
  backpressure: boolean,
): Promise<{ delays: number[]; rate: number | undefined }> {
  const batches: BatchInfo[] = [];
  const ctx = new StreamingContext({
    batchInterval: 500,
    logger: quiet,
    ...(backpressure ? { backpressure: { enabled: true, initialRate: 5000 } } : {}),
    listeners: [{ onBatchCompleted: (b) => batches.push(b) }],
  });
  let timer: NodeJS.Timeout | undefined;
  ctx
    .receiverStream<number>({
      name: 'offers 30k/s',
      onStart(context: ReceiverContext<number>) {
        // An external source: records keep arriving at 30 000/s whether or not the job reads them;
        // what the receiver has not taken yet waits upstream (a counter here, a topic in real life).
        let n = 0;
        let busy = false;
        let owed = 0;
        let last = performance.now();
        timer = setInterval(() => {
          const now = performance.now();
          owed += ((now - last) / 1000) * 30_000;
          last = now;
          if (busy || owed < 1) return;
          busy = true;
          const take = Math.min(Math.floor(owed), 3000);
          owed -= take;
          void context.storeAll(Array.from({ length: take }, () => n++)).finally(() => {
            busy = false;
          });
        }, 10);
      },
      onStop() {
        clearInterval(timer);
      },
    })
    .foreachBatch((b) => {
      const n = b.partitions.reduce((s, p) => s + p.length, 0);
      const until = performance.now() + n * 0.1;
      while (performance.now() < until) {
        // CPU-bound processing
      }
    });
  await ctx.start();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  // Batches completed while the load was on, a third and two thirds of the way and last: whether the
  // delay grows. The graceful stop's drain afterwards is not the steady state.
  const at = (fraction: number) => batches[Math.floor((batches.length - 1) * fraction)]?.schedulingDelay ?? 0;
  const delays = [at(1 / 3), at(2 / 3), at(1)];
  const rate = ctx.ingestionRate;
  await ctx.stop();
  return { delays, rate };
}
