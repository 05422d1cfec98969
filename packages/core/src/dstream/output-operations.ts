import type { Batch, Time } from '../batch.js';
import type { Sink, SinkContext } from '../contracts/sink.js';
import { StateError } from '../errors.js';
import type { DStream } from './dstream.js';
import type { OutputOperation, OutputRuntime } from './dstream-graph.js';

/** What a foreachPartition function knows about its partition. */
export interface ForeachPartitionContext {
  readonly batchTime: Time;
  readonly partition: number;
  readonly numPartitions: number;
  readonly attempt: number;
  readonly executorId: number;
}

function runtimeOf(stream: DStream<unknown>): OutputRuntime {
  const runtime = stream.graph.runtime;
  if (runtime === undefined)
    throw new StateError('output operations run only inside a started StreamingContext');
  return runtime;
}

/** Formats a record as Spark prints it: tuples as (a,b), strings bare. */
export function formatRecord(value: unknown): string {
  if (Array.isArray(value)) return `(${value.map(formatRecord).join(',')})`;
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Map)
    return `Map(${[...value].map(([k, v]) => `${formatRecord(k)} -> ${formatRecord(v)}`).join(', ')})`;
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

function register(stream: DStream<unknown>, op: Omit<OutputOperation, 'id'> & { idSuffix?: string }): void {
  const id = stream.graph.nextOutputId(op.kind);
  stream.graph.addOutput({ ...op, id });
}

export function print<T>(stream: DStream<T>, num: number): void {
  const s = stream as DStream<unknown>;
  register(s, {
    name: `print(${num})`,
    kind: 'print',
    stream: s,
    guarantee: 'at-least-once',
    mechanism: 'console output is printed again when a batch is replayed',
    async run(time) {
      const scan = await s.scan(time);
      if (scan === undefined) return false;
      const first: unknown[] = [];
      // Take num + 1 records to know whether to print "...", without reading the rest.
      for (let p = 0; p < scan.numPartitions && first.length <= num; p++) {
        scan.run(p, (r) => {
          if (first.length <= num) first.push(r);
        });
      }
      const lines = [
        '-------------------------------------------',
        `Time: ${time} ms`,
        '-------------------------------------------',
      ];
      for (const r of first.slice(0, num)) lines.push(formatRecord(r));
      if (first.length > num) lines.push('...');
      runtimeOf(s).write(`${lines.join('\n')}\n\n`);
      return true;
    },
  });
}

export function foreachBatch<T>(stream: DStream<T>, fn: (batch: Batch<T>) => void | Promise<void>): void {
  const s = stream as DStream<unknown>;
  register(s, {
    name: 'foreachBatch',
    kind: 'foreachBatch',
    stream: s,
    guarantee: 'at-least-once',
    mechanism: 'user function on the driver; it runs again when a batch is replayed',
    async run(time) {
      const batch = await stream.getOrCompute(time);
      if (batch === undefined) return false;
      await fn(batch);
      return true;
    },
  });
}

async function partitionsOf<T>(stream: DStream<T>, time: Time): Promise<Batch<T> | undefined> {
  const scan = await stream.scan(time);
  if (scan === undefined) return undefined;
  const partitions: T[][] = [];
  for (let p = 0; p < scan.numPartitions; p++) {
    const records: T[] = [];
    scan.run(p, (r) => records.push(r));
    partitions.push(records);
  }
  return { time, partitions, ...scan.meta };
}

export function foreachPartition<T>(
  stream: DStream<T>,
  fn: (records: readonly T[], context: ForeachPartitionContext) => void | Promise<void>,
): void {
  const s = stream as DStream<unknown>;
  register(s, {
    name: 'foreachPartition',
    kind: 'foreachPartition',
    stream: s,
    guarantee: 'at-least-once',
    mechanism: 'user function per partition; it runs again when a task or batch is retried',
    async run(time) {
      const batch = await partitionsOf(stream, time);
      if (batch === undefined) return false;
      const numPartitions = batch.partitions.length;
      await runtimeOf(s).runTasks(
        'foreachPartition',
        time,
        numPartitions,
        async (partition, attempt, executorId) => {
          await fn(batch.partitions[partition]!, {
            batchTime: time,
            partition,
            numPartitions,
            attempt,
            executorId,
          });
        },
      );
      return true;
    },
  });
}

export function toSink<T>(stream: DStream<T>, sink: Sink<T>): void {
  const s = stream as DStream<unknown>;
  const id = s.graph.nextOutputId('sink');
  let opened: Promise<void> | undefined;
  s.graph.addOutput({
    id,
    name: sink.name,
    kind: 'sink',
    stream: s,
    guarantee: sink.guarantee,
    mechanism: sink.mechanism,
    async run(time) {
      const batch = await partitionsOf(stream, time);
      if (batch === undefined) return false;
      if (sink.open) {
        opened ??= sink.open().catch((error: unknown) => {
          opened = undefined;
          throw error;
        });
        await opened;
      }
      const numPartitions = batch.partitions.length;
      const ranges = batch.offsetRanges ?? [];
      const aligned = batch.partitionsAlignedWithOffsets === true && ranges.length === numPartitions;
      await runtimeOf(s).runTasks(sink.name, time, numPartitions, async (partition, attempt, executorId) => {
        const context: SinkContext = {
          outputId: id,
          batchTime: time,
          partition,
          numPartitions,
          offsetRanges: ranges,
          partitionOffsetRange: aligned ? ranges[partition] : undefined,
          executorId,
          attempt,
        };
        await sink.writePartition(batch.partitions[partition]!, context);
      });
      await sink.commitBatch?.({ outputId: id, batchTime: time, numPartitions, offsetRanges: ranges });
      return true;
    },
    async close() {
      opened = undefined;
      await sink.close?.();
    },
  });
}
