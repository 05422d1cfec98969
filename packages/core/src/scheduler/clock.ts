import { ConfigError } from '../errors.js';

/** A cancellable timer handle. */
export interface ClockTimer {
  cancel(): void;
}

/**
 * The time source of a StreamingContext. The system clock runs batches in real time; the manual
 * clock lets tests step through batches deterministically (Spark's ManualClock).
 */
export interface Clock {
  now(): number;
  /** Calls `callback` once the clock reaches `time`. */
  schedule(time: number, callback: () => void): ClockTimer;
}

/** Real time: Date.now() and setTimeout. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  schedule(time: number, callback: () => void): ClockTimer {
    // setTimeout runs on a monotonic clock and may fire a millisecond before Date.now() reaches
    // `time` (a batch then started "before" its time: a negative scheduling delay); re-arm until it has.
    let handle: ReturnType<typeof setTimeout>;
    const fire = () => {
      const wait = time - Date.now();
      if (wait > 0) handle = setTimeout(fire, wait);
      else callback();
    };
    handle = setTimeout(fire, Math.max(0, time - Date.now()));
    return { cancel: () => clearTimeout(handle) };
  }
}

/**
 * Time that moves only when a test says so.
 *
 * ```ts
 * const clock = new ManualClock();
 * const ctx = new StreamingContext({ batchInterval: 1000, clock });
 * clock.advance(1000); // runs the batch at time 1000
 * ```
 */
export class ManualClock implements Clock {
  private time: number;
  private readonly timers: Array<{ time: number; callback: () => void; seq: number }> = [];
  private seq = 0;

  constructor(startTime = 0) {
    this.time = startTime;
  }

  now(): number {
    return this.time;
  }

  schedule(time: number, callback: () => void): ClockTimer {
    const timer = { time, callback, seq: this.seq++ };
    this.timers.push(timer);
    return {
      cancel: () => {
        const i = this.timers.indexOf(timer);
        if (i >= 0) this.timers.splice(i, 1);
      },
    };
  }

  /** Moves time forward by `ms`, firing due timers in time order (ties in scheduling order). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new ConfigError(`ManualClock.advance: ms must be >= 0, got ${ms}`);
    this.setTime(this.time + ms);
  }

  /** Moves time to `time` (never backwards), firing due timers. */
  setTime(time: number): void {
    if (time < this.time)
      throw new ConfigError(`ManualClock.setTime: cannot go back from ${this.time} to ${time}`);
    for (;;) {
      let next: (typeof this.timers)[number] | undefined;
      for (const t of this.timers) {
        if (
          t.time <= time &&
          (next === undefined || t.time < next.time || (t.time === next.time && t.seq < next.seq))
        ) {
          next = t;
        }
      }
      if (next === undefined) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.time = Math.max(this.time, next.time);
      next.callback();
    }
    this.time = time;
  }
}

/**
 * Calls `callback(time)` at every multiple of `period` after `startTime`, without drift: each
 * tick is scheduled for its exact time, so a late tick does not push the next ones back.
 */
export class RecurringTimer {
  private timer: ClockTimer | undefined;
  private nextTime: number;
  private stopped = true;

  constructor(
    private readonly clock: Clock,
    private readonly period: number,
    private readonly callback: (time: number) => void,
  ) {
    this.nextTime = 0;
  }

  start(firstTime: number): void {
    this.stopped = false;
    this.nextTime = firstTime;
    this.arm();
  }

  /** Stops ticking; returns the time of the last tick that fired. */
  stop(): number {
    this.stopped = true;
    this.timer?.cancel();
    return this.nextTime - this.period;
  }

  private arm(): void {
    if (this.stopped) return;
    const time = this.nextTime;
    this.timer = this.clock.schedule(time, () => {
      if (this.stopped) return;
      this.nextTime = time + this.period;
      this.arm();
      this.callback(time);
    });
  }
}
