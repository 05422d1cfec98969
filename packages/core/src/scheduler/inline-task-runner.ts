import type { Time } from '../batch.js';
import { DStreamError, TaskFailedError } from '../errors.js';
import type { Logger } from '../listener.js';

export interface TaskRunnerOptions {
  /** Attempts per task before the batch fails (Spark's spark.task.maxFailures). */
  maxTaskAttempts: number;
  /** Tasks of one stage running at once (I/O-bound tasks, like sink writes, overlap). */
  concurrency: number;
  /** Wait before a retry: retryDelay × attempt (ms). */
  retryDelay: number;
  logger: Logger;
}

function retryable(error: unknown): boolean {
  // A wrong setting or a state error fails the same way every time: do not retry those.
  return !(
    DStreamError.isInstance(error) &&
    (error.code === 'CONFIG' || error.code === 'STATE' || error.code === 'GUARANTEE')
  );
}

/**
 * Runs a stage's tasks on the driver's event loop (executors: 0): at most `concurrency` at once,
 * each retried up to maxTaskAttempts; the stage fails with the last error of a task that used them all.
 */
export async function runTasksInline(
  options: TaskRunnerOptions,
  label: string,
  time: Time,
  numPartitions: number,
  task: (partition: number, attempt: number, executorId: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed: unknown;
  const runOne = async (partition: number): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await task(partition, attempt, 0);
        return;
      } catch (error) {
        if (attempt >= options.maxTaskAttempts || !retryable(error)) {
          throw new TaskFailedError(
            `task ${label} for partition ${partition} of the batch at ${time} ms failed after ${attempt} attempt(s): ${
              error instanceof Error ? error.message : String(error)
            }`,
            { cause: error },
          );
        }
        options.logger.warn(
          `task ${label} partition ${partition} batch ${time} failed (attempt ${attempt}); retrying`,
          { error },
        );
        await new Promise((resolve) => setTimeout(resolve, options.retryDelay * attempt));
      }
    }
  };
  const worker = async (): Promise<void> => {
    while (failed === undefined && next < numPartitions) {
      const partition = next++;
      try {
        await runOne(partition);
      } catch (error) {
        failed ??= error;
      }
    }
  };
  const lanes = Math.max(1, Math.min(options.concurrency, numPartitions));
  await Promise.all(Array.from({ length: lanes }, worker));
  if (failed !== undefined) throw failed;
}
