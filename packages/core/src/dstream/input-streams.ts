import type { Batch, Time } from '../batch.js';
import { batchSize } from '../batch.js';
import type { OffsetRange } from '../contracts/offset-store.js';
import type { Receiver } from '../contracts/receiver.js';
import type { Source, SourceContext } from '../contracts/source.js';
import { ConfigError, DStreamError, SourceReadError } from '../errors.js';
import type { ListenerBus, Logger } from '../listener.js';
import type { RateLimiter } from '../flow/rate-limiter.js';
import type { ReceivedBlockTracker } from '../receiver/received-block-tracker.js';
import { type BlockStore, type ReceiverHandle, ReceiverSupervisor } from '../receiver/receiver-supervisor.js';
import type { Clock } from '../scheduler/clock.js';
import type { DStreamGraph } from './dstream-graph.js';
import { DStream } from './dstream.js';
import { derivedMeta } from './types.js';

/** What input streams need from the context. */
export interface InputEnvironment {
  graph: DStreamGraph;
  clock: Clock;
  bus: ListenerBus;
  logger: Logger;
  blockInterval: number;
  receiverRestartDelay: number;
  nextReceiverId(): number;
  /** Where received blocks wait for batches (write-ahead logged when that is on). */
  blockTracker(): ReceivedBlockTracker;
  /** Where a receiver's supervisor stores blocks (the tracker; on an executor, the driver). */
  blockStore(): BlockStore;
  /** Where the receiver runs: its supervisor here, or a handle on the executor that hosts it. */
  receiverHandle(supervisor: ReceiverSupervisor<unknown>): ReceiverHandle;
  /** Whether received blocks are logged before they count as stored. */
  writeAheadLog: boolean;
  /** A rate limiter for a new receiver (receiverMaxRate, then backpressure). */
  receiverLimiter(): RateLimiter;
  /** Records that may wait for batches per receiver before store() asks it to slow down. */
  receiverMaxPendingRecords: number;
  /** Records/s per partition a direct source may read now (maxRatePerPartition, backpressure). */
  partitionRate(lastPartitions: number): number | undefined;
}

function inputStream<T>(env: InputEnvironment, kind: string, params: string): DStream<T> {
  return new DStream<T>(env.graph, { kind, params, parents: [], compute: async () => undefined });
}

/** Splits records into partitions of at most `size` (chunks of ≤ 10k measured fastest). */
export function chunk<T>(records: readonly T[], size: number): T[][] {
  if (records.length <= size) return records.length === 0 ? [] : [records as T[]];
  const out: T[][] = [];
  for (let i = 0; i < records.length; i += size) out.push(records.slice(i, i + size) as T[]);
  return out;
}

export interface QueueStreamOptions<T> {
  /** Take one queue item per batch (default) or everything queued. */
  oneAtATime?: boolean;
  /** Records for batches that find the queue empty. */
  defaultBatch?: readonly T[];
  /** Largest partition (records); an item is split into partitions of this size. Default 10 000. */
  partitionSize?: number;
}

export function queueStream<T>(
  env: InputEnvironment,
  queue: Array<readonly T[]>,
  options: QueueStreamOptions<T>,
): DStream<T> {
  const oneAtATime = options.oneAtATime ?? true;
  const size = options.partitionSize ?? 10_000;
  if (!Number.isInteger(size) || size < 1)
    throw new ConfigError(`queueStream: partitionSize must be >= 1, got ${size}`);
  const stream = inputStream<T>(env, 'queueStream', oneAtATime ? 'oneAtATime' : 'all');
  env.graph.addInput(stream as DStream<unknown>, {
    description: {
      name: 'queueStream',
      replayable: false,
      reason: 'the queue lives in memory and is gone after a restart',
    },
    async start() {},
    async generate(time) {
      const items = oneAtATime ? queue.splice(0, 1) : queue.splice(0);
      if (items.length === 0 && options.defaultBatch !== undefined) items.push(options.defaultBatch);
      const partitions = items.flatMap((item) => chunk(item, size));
      const batch: Batch<T> = { time, partitions };
      stream.putBatch(time, batch);
      return batchSize(batch);
    },
    async batchCompleted() {},
    async stop() {},
  });
  return stream;
}

export function sourceStream<T, R = T>(env: InputEnvironment, source: Source<T, R>): DStream<T> {
  if (typeof source?.compute !== 'function')
    throw new ConfigError(`ctx.source: ${String(source?.name ?? source)} has no compute(time) method`);
  if (source.decode !== undefined && typeof source.decode !== 'function')
    throw new ConfigError(`ctx.source: ${source.name} has a decode that is not a function`);
  if (source.readPartition !== undefined && typeof source.readPartition !== 'function')
    throw new ConfigError(`ctx.source: ${source.name} has a readPartition that is not a function`);
  if (source.decode !== undefined && source.readPartition !== undefined)
    throw new ConfigError(`ctx.source: ${source.name} has both decode and readPartition; give one`);
  const stream = inputStream<R>(env, 'source', source.name);
  const rangesByTime = new Map<Time, readonly OffsetRange[]>();
  let lastPartitions = 1;
  const context: SourceContext = {
    batchInterval: env.graph.batchInterval,
    rateLimit: () => env.partitionRate(lastPartitions),
    log: (level, message, fields) => env.logger[level](`${source.name}: ${message}`, fields),
  };
  env.graph.addInput(stream as DStream<unknown>, {
    description: { name: source.name, replayable: source.replayable, reason: source.replayReason },
    async start() {
      await source.start?.(context);
    },
    async generate(time) {
      let result: Awaited<ReturnType<Source<T, R>['compute']>>;
      try {
        result = await source.compute(time);
      } catch (error) {
        if (DStreamError.isInstance(error)) throw error;
        throw new SourceReadError(
          `source ${source.name} failed to compute the batch at ${time} ms: ${String(error)}`,
          { cause: error },
        );
      }
      const ranges = result.offsetRanges;
      lastPartitions = Math.max(1, result.partitions.length);
      const aligned = ranges !== undefined && ranges.length === result.partitions.length;
      const batch: Batch<R> = ranges
        ? { time, partitions: result.partitions, offsetRanges: ranges, partitionsAlignedWithOffsets: aligned }
        : { time, partitions: result.partitions };
      if (ranges) rangesByTime.set(time, ranges);
      stream.putBatch(time, batch);
      const count = result.recordCount;
      if (count !== undefined && !(Number.isInteger(count) && count >= 0))
        throw new ConfigError(`source ${source.name}: recordCount must be a whole number >= 0, got ${count}`);
      return count ?? batchSize(batch);
    },
    async batchCompleted(time) {
      const ranges = rangesByTime.get(time) ?? [];
      rangesByTime.delete(time);
      await source.onBatchCompleted?.(time, ranges);
    },
    async stop() {
      await source.stop?.();
    },
    position: () => source.position?.(),
    restore: (position) => source.restore?.(position),
  });
  if (source.readPartition !== undefined) return readStream(env, source, stream);
  const decode = source.decode?.bind(source);
  if (decode === undefined) return stream as unknown as DStream<T>;
  // The first fused step of every chain reading this input, so executors run it.
  return new DStream<T>(env.graph, {
    kind: 'decode',
    params: source.name,
    parents: [stream as DStream<unknown>],
    narrow: { base: stream as DStream<unknown>, step: (emit) => (raw) => decode(raw as R, emit) },
  });
}

/**
 * The stream of a source that reads its planned partitions itself: read on the driver when its
 * batch is computed there, or on the executors that process the partitions (see DStream.scan).
 */
function readStream<T, R>(env: InputEnvironment, source: Source<T, R>, planned: DStream<R>): DStream<T> {
  const read = source.readPartition!.bind(source);
  const stream = new DStream<T>(env.graph, {
    kind: 'read',
    params: source.name,
    parents: [planned as DStream<unknown>],
    compute: async (time) => {
      const plan = await planned.getOrCompute(time);
      if (plan === undefined) return undefined;
      const partitions = await Promise.all(
        plan.partitions.map((p, partition) => read(p, { executorId: 0, partition })),
      );
      return { time, partitions: partitions as T[][], ...derivedMeta(plan, true) };
    },
  });
  stream.remoteRead = {
    input: planned as DStream<unknown>,
    read: (records, context) => read(records as R[], context),
  };
  return stream;
}

/** A receiver's stream plus its supervisor (the context stops receivers first on a graceful stop). */
export function receiverStream<T>(
  env: InputEnvironment,
  receiver: Receiver<T>,
): { stream: DStream<T>; supervisor: ReceiverSupervisor<T> } {
  if (typeof receiver?.onStart !== 'function' || typeof receiver.onStop !== 'function') {
    throw new ConfigError('receiverStream: a receiver needs onStart(context) and onStop() methods');
  }
  const streamId = env.nextReceiverId();
  const supervisor = new ReceiverSupervisor<T>(receiver, {
    streamId,
    blockInterval: env.blockInterval,
    restartDelay: env.receiverRestartDelay,
    clock: env.clock,
    bus: env.bus,
    logger: env.logger,
    get tracker() {
      return env.blockStore();
    },
    limiter: env.receiverLimiter(),
    maxPending: env.receiverMaxPendingRecords,
  });
  const handle = () => env.receiverHandle(supervisor as ReceiverSupervisor<unknown>);
  const stream = inputStream<T>(env, 'receiverStream', receiver.name);
  const reliable = receiver.reliable === true;
  env.graph.addInput(stream as DStream<unknown>, {
    description: {
      name: receiver.name,
      replayable: env.writeAheadLog && reliable,
      // A crash between a block's log write and the upstream ack makes the upstream send it again.
      mayDuplicate: env.writeAheadLog && reliable,
      reason: !env.writeAheadLog
        ? 'received records are held in memory and lost if the process dies (no write-ahead log)'
        : reliable
          ? 'blocks are in the write-ahead log before the receiver acknowledges them upstream; records in flight at a crash are sent again (no loss, at least once)'
          : 'the write-ahead log keeps stored blocks, but this receiver does not wait for it before acknowledging (unreliable), so records in flight can be lost',
    },
    start: () => handle().start(),
    async generate(time) {
      await handle().flush();
      const partitions = (await env.blockTracker().allocate(time, streamId)) as T[][];
      handle().drained();
      const batch: Batch<T> = { time, partitions };
      stream.putBatch(time, batch);
      return batchSize(batch);
    },
    async batchCompleted() {},
    stop: () => handle().stop(),
  });
  return { stream, supervisor };
}
