import { ConfigError } from '../errors.js';

/**
 * Speculative execution (Spark's spark.speculation, off by default): once `quantile` of a stage's
 * tasks have finished, a task running longer than `multiplier` × their median (and at least
 * `minTaskRuntime`) is launched again on another executor; the first attempt to succeed wins and
 * only its accumulator additions count. A speculative copy of an output task writes like a retry
 * does, so the sink's guarantee holds as for retries.
 */
export interface SpeculationOptions {
  enabled: boolean;
  /** How much slower than the median a task must be. Default 1.5. */
  multiplier?: number;
  /** Fraction of the stage's tasks that must be done first. Default 0.75. */
  quantile?: number;
  /** How often running tasks are checked (ms). Default 100. */
  interval?: number;
  /** Tasks shorter than this are never copied (ms). Default 100. */
  minTaskRuntime?: number;
}

export interface ResolvedSpeculation {
  readonly multiplier: number;
  readonly quantile: number;
  readonly interval: number;
  readonly minTaskRuntime: number;
}

export function resolveSpeculation(options: SpeculationOptions | undefined): ResolvedSpeculation | undefined {
  if (options?.enabled !== true) return undefined;
  const check = (name: string, value: number | undefined, fallback: number, ok: (v: number) => boolean) => {
    const v = value ?? fallback;
    if (!Number.isFinite(v) || !ok(v))
      throw new ConfigError(`speculation.${name} is out of range: ${String(value)}`);
    return v;
  };
  return {
    multiplier: check('multiplier', options.multiplier, 1.5, (v) => v >= 1),
    quantile: check('quantile', options.quantile, 0.75, (v) => v > 0 && v <= 1),
    interval: check('interval', options.interval, 100, (v) => v > 0),
    minTaskRuntime: check('minTaskRuntime', options.minTaskRuntime, 100, (v) => v >= 0),
  };
}

interface Running {
  readonly started: number;
  /** Launches a copy on another executor; false when there is no other executor. */
  readonly copy: () => boolean;
  copied: boolean;
}

/** One stage's tasks, watched for stragglers while the stage runs. */
export class StageSpeculation {
  private readonly durations: number[] = [];
  private readonly running = new Map<number, Running>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly numTasks: number,
    private readonly options: ResolvedSpeculation,
    private readonly onCopy: (partition: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.timer = setInterval(() => this.check(), options.interval);
    this.timer.unref();
  }

  started(partition: number, copy: () => boolean): void {
    this.running.set(partition, { started: this.now(), copy, copied: false });
  }

  /** The partition's task succeeded (by any of its attempts). */
  succeeded(partition: number): void {
    const task = this.running.get(partition);
    if (task === undefined) return;
    this.running.delete(partition);
    this.durations.push(this.now() - task.started);
  }

  /** Every attempt of the partition's task failed (it may be retried and start again). */
  failed(partition: number): void {
    this.running.delete(partition);
  }

  /** Copies the tasks that run much longer than the finished ones. */
  check(): void {
    if (this.durations.length === 0 || this.durations.length < this.options.quantile * this.numTasks) return;
    const sorted = [...this.durations].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const threshold = Math.max(this.options.minTaskRuntime, this.options.multiplier * median);
    const now = this.now();
    for (const [partition, task] of this.running) {
      if (task.copied || now - task.started <= threshold) continue;
      task.copied = task.copy();
      if (task.copied) this.onCopy(partition);
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/**
 * Runs `launch()` (one attempt of a partition's task) under speculation: resolves with the first
 * attempt that succeeds, rejects when every launched attempt failed.
 */
export function speculate<R>(
  stage: StageSpeculation,
  partition: number,
  launch: (avoid: number | undefined) => { instance: number; result: Promise<R> } | undefined,
): Promise<R> {
  const first = launch(undefined);
  if (first === undefined) return Promise.reject(new Error('no executor is alive'));
  return new Promise<R>((resolve, reject) => {
    let settled = false;
    let attempts = 1;
    let failures = 0;
    let firstError: unknown;
    const win = (result: R): void => {
      if (settled) return;
      settled = true;
      stage.succeeded(partition);
      resolve(result);
    };
    const lose = (error: unknown): void => {
      failures++;
      if (failures === 1) firstError = error;
      if (settled || failures < attempts) return;
      settled = true;
      stage.failed(partition);
      reject(firstError);
    };
    first.result.then(win, lose);
    stage.started(partition, () => {
      if (settled) return false;
      const copy = launch(first.instance);
      if (copy === undefined) return false;
      attempts++;
      copy.result.then(win, lose);
      return true;
    });
  });
}
