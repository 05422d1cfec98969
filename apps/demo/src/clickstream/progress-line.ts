import type { BatchInfo, StreamingListener } from '@dstream/core';

/** One line per completed batch: records, input and processing rates, delays, totals so far. */
export function progressLine(info: BatchInfo, batchInterval: number, extra: string): string {
  const processing = info.processingDelay ?? 0;
  const inRate = (info.numRecords * 1000) / batchInterval;
  const processRate = processing > 0 ? (info.numRecords * 1000) / processing : 0;
  const time = new Date(info.batchTime).toISOString().slice(11, 19);
  const failed = info.failureReason ? ` | FAILED: ${info.failureReason}` : '';
  return (
    `[batch ${time}] ${info.numRecords} records | input ${inRate.toFixed(1)}/s, processed ${processRate.toFixed(0)}/s` +
    ` | scheduling delay ${info.schedulingDelay ?? 0} ms, processing ${processing} ms, total ${info.totalDelay ?? 0} ms` +
    `${extra ? ` | ${extra}` : ''}${failed}`
  );
}

/** A listener that prints the progress line and remembers the last records counts (for draining). */
export function progressListener(
  batchInterval: number,
  extra: () => string,
  write: (line: string) => void,
  onBatch?: (info: BatchInfo) => void,
): StreamingListener {
  return {
    onBatchCompleted(info) {
      write(progressLine(info, batchInterval, extra()));
      onBatch?.(info);
    },
  };
}
