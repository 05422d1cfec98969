import { describe, expect, it } from 'vitest';
import { SystemClock } from '../src/index.js';

describe('SystemClock', () => {
  // setTimeout may fire a millisecond before Date.now() reaches the time; a batch must never start
  // before its own batch time.
  it('calls back only once Date.now() has reached the scheduled time', async () => {
    const clock = new SystemClock();
    const early: number[] = [];
    for (let i = 0; i < 40; i++) {
      const time = clock.now() + 1 + (i % 4);
      await new Promise<void>((resolve) => {
        clock.schedule(time, () => {
          if (Date.now() < time) early.push(time - Date.now());
          resolve();
        });
      });
    }
    expect(early).toEqual([]);
  });

  it('a cancelled timer never calls back', async () => {
    const clock = new SystemClock();
    let called = false;
    const timer = clock.schedule(clock.now() + 5, () => {
      called = true;
    });
    timer.cancel();
    await new Promise((r) => setTimeout(r, 20));
    expect(called).toBe(false);
  });
});
