import { ConfigError } from '../errors.js';

export interface PIDOptions {
  proportional?: number;
  integral?: number;
  derivative?: number;
  minRate?: number;
}

/**
 * Spark's PIDRateEstimator: after each batch, a new ingestion rate (records/s) from how fast the
 * batch was processed and how long batches waited. The proportional term follows the processing
 * rate; the integral term drains the backlog that scheduling delay reveals.
 */
export class PIDRateEstimator {
  private firstRun = true;
  private latestTime = -1;
  private latestRate = -1;
  private latestError = -1;
  private readonly proportional: number;
  private readonly integral: number;
  private readonly derivative: number;
  private readonly minRate: number;

  constructor(
    private readonly batchIntervalMs: number,
    options: PIDOptions = {},
  ) {
    this.proportional = options.proportional ?? 1;
    this.integral = options.integral ?? 0.2;
    this.derivative = options.derivative ?? 0;
    this.minRate = options.minRate ?? 100;
    for (const [name, value] of [
      ['proportional', this.proportional],
      ['integral', this.integral],
      ['derivative', this.derivative],
    ] as const) {
      if (!(value >= 0)) throw new ConfigError(`backpressure: ${name} must be >= 0, got ${value}`);
    }
    if (!(this.minRate > 0)) throw new ConfigError(`backpressure: minRate must be > 0, got ${this.minRate}`);
  }

  /** The new rate after the batch at `time`, or undefined when there is nothing to go on yet. */
  compute(
    time: number,
    numElements: number,
    processingDelay: number,
    schedulingDelay: number,
  ): number | undefined {
    if (!(time > this.latestTime && numElements > 0 && processingDelay > 0)) return undefined;
    const delaySinceUpdate = (time - this.latestTime) / 1000;
    const processingRate = (numElements / processingDelay) * 1000;
    const error = this.latestRate - processingRate;
    const historicalError = (schedulingDelay * processingRate) / this.batchIntervalMs;
    const dError = (error - this.latestError) / delaySinceUpdate;
    const newRate = Math.max(
      this.latestRate -
        this.proportional * error -
        this.integral * historicalError -
        this.derivative * dError,
      this.minRate,
    );
    this.latestTime = time;
    if (this.firstRun) {
      this.latestRate = processingRate;
      this.latestError = 0;
      this.firstRun = false;
      return undefined;
    }
    this.latestRate = newRate;
    this.latestError = error;
    return newRate;
  }
}
