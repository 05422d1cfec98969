import type { OffsetRange, SinkContext } from '@dstream/core';

/** A SinkContext as the engine builds one for partition `partition` of a batch. */
export function sinkContext(
  overrides: Partial<SinkContext> & { partitionOffsetRange?: OffsetRange } = {},
): SinkContext {
  return {
    outputId: 'out-0',
    batchTime: 1000,
    partition: 0,
    numPartitions: 1,
    offsetRanges: overrides.partitionOffsetRange === undefined ? [] : [overrides.partitionOffsetRange],
    partitionOffsetRange: undefined,
    executorId: 0,
    attempt: 1,
    ...overrides,
  };
}
