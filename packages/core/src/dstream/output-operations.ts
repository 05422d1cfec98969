import type { Batch, Time } from '../batch.js';
import type { Sink, SinkContext } from '../contracts/sink.js';
import { StateError } from '../errors.js';
import type { DStream } from './dstream.js';
import type { OutputOperation, OutputRuntime, PartitionTaskContext } from './dstream-graph.js';
import type { BatchMeta } from './types.js';

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

function register(stream: DStream<unknown>, op: Omit<OutputOperation, 'id'>): void {
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

/**
 * Registers an output whose work is a task per partition: run on the executors when the context
 * has them (each computes its partition from the base records), else on the driver.
 */
function registerPartitionOutput<T>(
  stream: DStream<T>,
  op: Pick<OutputOperation, 'name' | 'kind' | 'guarantee' | 'mechanism'> & {
    label: string;
    task: (records: readonly T[], context: PartitionTaskContext) => Promise<void>;
    afterBatch?: (time: Time, batch: BatchMeta, numPartitions: number) => Promise<void>;
    close?: () => Promise<void>;
  },
): string {
  const s = stream as DStream<unknown>;
  const id = s.graph.nextOutputId(op.kind);
  const output: OutputOperation = {
    id,
    name: op.name,
    kind: op.kind,
    stream: s,
    guarantee: op.guarantee,
    mechanism: op.mechanism,
    partitionTask: op.task as OutputOperation['partitionTask'],
    async run(time) {
      const runtime = runtimeOf(s);
      let numPartitions: number;
      let meta: BatchMeta;
      if (runtime.executors !== undefined) {
        const scan = await s.scan(time, true);
        if (scan === undefined) return false;
        numPartitions = scan.numPartitions;
        meta = scan.meta;
        await runtime.executors.runOutput(op.label, time, output, scan);
      } else {
        const batch = await partitionsOf(stream, time);
        if (batch === undefined) return false;
        numPartitions = batch.partitions.length;
        meta = batch;
        const ranges = batch.offsetRanges ?? [];
        const aligned = batch.partitionsAlignedWithOffsets === true && ranges.length === numPartitions;
        await runtime.runTasks(op.label, time, numPartitions, (partition, attempt, executorId) =>
          op.task(batch.partitions[partition]!, {
            batchTime: time,
            partition,
            numPartitions,
            attempt,
            executorId,
            offsetRanges: ranges,
            partitionsAlignedWithOffsets: aligned,
          }),
        );
      }
      await op.afterBatch?.(time, meta, numPartitions);
      return true;
    },
    ...(op.close ? { close: op.close } : {}),
  };
  s.graph.addOutput(output);
  return id;
}

export function foreachPartition<T>(
  stream: DStream<T>,
  fn: (records: readonly T[], context: ForeachPartitionContext) => void | Promise<void>,
): void {
  registerPartitionOutput(stream, {
    name: 'foreachPartition',
    label: 'foreachPartition',
    kind: 'foreachPartition',
    guarantee: 'at-least-once',
    mechanism: 'user function per partition; it runs again when a task or batch is retried',
    async task(records, c) {
      await fn(records, {
        batchTime: c.batchTime,
        partition: c.partition,
        numPartitions: c.numPartitions,
        attempt: c.attempt,
        executorId: c.executorId,
      });
    },
  });
}

export function toSink<T>(stream: DStream<T>, sink: Sink<T>): void {
  // Opened once per executor (this module state exists once in each worker's copy of the graph).
  let opened: Promise<void> | undefined;
  const id: string = registerPartitionOutput(stream, {
    name: sink.name,
    label: sink.name,
    kind: 'sink',
    guarantee: sink.guarantee,
    mechanism: sink.mechanism,
    async task(records, c) {
      if (sink.open) {
        opened ??= sink.open().catch((error: unknown) => {
          opened = undefined;
          throw error;
        });
        await opened;
      }
      const context: SinkContext = {
        outputId: id,
        batchTime: c.batchTime,
        partition: c.partition,
        numPartitions: c.numPartitions,
        offsetRanges: c.offsetRanges,
        partitionOffsetRange: c.partitionsAlignedWithOffsets ? c.offsetRanges[c.partition] : undefined,
        executorId: c.executorId,
        attempt: c.attempt,
      };
      await sink.writePartition(records, context);
    },
    async afterBatch(time, meta, numPartitions) {
      await sink.commitBatch?.({
        outputId: id,
        batchTime: time,
        numPartitions,
        offsetRanges: meta.offsetRanges ?? [],
      });
    },
    async close() {
      opened = undefined;
      await sink.close?.();
    },
  });
}
