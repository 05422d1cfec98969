import type { Source } from '../src/index.js';
import { describeSourceContract } from '../src/testing/index.js';

/**
 * An in-memory source that plans ranges on the driver and reads them with readPartition: the
 * shared source suite reads through readPartition, also on a copy that was never started.
 */
function rangeSource(log: number[]): Source<number, [number, number]> {
  let next = 0;
  return {
    name: 'ranges',
    replayable: true,
    replayReason: 'ranges read the same numbers again',
    async compute() {
      const until = log.length;
      const plan: Array<[number, number]> = next < until ? [[next, until]] : [];
      next = until;
      return { partitions: plan.map((r) => [r]), recordCount: until - (plan[0]?.[0] ?? until) };
    },
    async readPartition([range]) {
      return log.slice(range![0], range![1]);
    },
    position: () => next,
    restore(position) {
      next = position as number;
    },
  };
}

describeSourceContract('an in-memory source with readPartition', async () => {
  const log: number[] = [];
  return {
    createSource: () => rangeSource(log),
    produce: async (count) => {
      for (let i = 0; i < count; i++) log.push(log.length);
    },
    identity: (n) => String(n),
  };
});
