import { ConfigError } from '../errors.js';

/**
 * A token bucket (Spark's RateLimiter, after Guava's): `rate` tokens a second, at most one
 * second's worth saved up. An undefined rate means no limit.
 */
export class RateLimiter {
  private tokens = 0;
  private last: number;
  private limit: number | undefined;

  constructor(
    rate: number | undefined,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.last = now();
    this.setRate(rate);
  }

  get rate(): number | undefined {
    return this.limit;
  }

  setRate(rate: number | undefined): void {
    if (rate !== undefined && !(rate > 0))
      throw new ConfigError(`rate limit must be > 0 records/s, got ${rate}`);
    this.refill();
    this.limit = rate;
    if (rate !== undefined) this.tokens = Math.min(this.tokens, rate);
  }

  private refill(): void {
    const t = this.now();
    if (this.limit !== undefined)
      this.tokens = Math.min(this.limit, this.tokens + ((t - this.last) / 1000) * this.limit);
    this.last = t;
  }

  /** Takes up to `n` tokens now; returns how many were taken. */
  take(n: number): number {
    if (this.limit === undefined) return n;
    this.refill();
    const taken = Math.max(0, Math.min(n, Math.floor(this.tokens)));
    this.tokens -= taken;
    return taken;
  }

  /** Reserves `n` tokens, going into debt if needed; returns how long (ms) the caller should wait. */
  reserve(n: number): number {
    if (this.limit === undefined) return 0;
    this.refill();
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.limit) * 1000;
  }
}
