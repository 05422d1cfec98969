/**
 * The entry point of an executor (a worker thread): loads the job module, rebuilds the job's graph
 * the way the driver did, reports its fingerprint, then runs the tasks the driver sends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { withTaskAccumulators } from '../accumulators.js';
import { closeExecutorClients } from '../client-providers.js';
import { KeyedMap } from '../keyed-map.js';
import type { ReceiverInfo } from '../listener.js';
import { type Job, StreamingContext } from '../streaming-context.js';
import {
  type CombineTask,
  type DriverMessage,
  type ExecutorData,
  type ExecutorMessage,
  type OutputTask,
  serializeError,
} from './executor-protocol.js';
import { ExecutorReceivers } from './executor-receivers.js';
import { packRecords, unpackRecords } from './record-codec.js';

const data = workerData as ExecutorData;
const port = parentPort!;
const post = (message: ExecutorMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

async function main(): Promise<void> {
  const module = (await import(data.moduleUrl)) as Record<string, unknown>;
  const job = module[data.exportName];
  if (typeof job !== 'function')
    throw new Error(`${data.moduleUrl} has no job function export "${data.exportName}"`);
  const ctx = StreamingContext.forExecutor(data);
  const receivers = new ExecutorReceivers(
    data.executorId,
    (streamId) => ctx.receiverSupervisor(streamId),
    (rate) => ctx.setReceiverRate(rate),
    post,
  );
  ctx.useExecutorBlockStore(receivers);
  const hosted = new Set<number>();
  // Receiver events go to the driver's listeners.
  const forward =
    (event: 'onReceiverStarted' | 'onReceiverStopped' | 'onReceiverError') =>
    (info: ReceiverInfo): void =>
      post({
        type: 'receiverEvent',
        event,
        streamId: info.streamId,
        name: info.name,
        time: info.time,
        ...(info.message === undefined ? {} : { message: info.message }),
        ...(info.error === undefined ? {} : { error: serializeError(info.error) }),
      });
  ctx.addStreamingListener({
    onReceiverStarted: forward('onReceiverStarted'),
    onReceiverStopped: forward('onReceiverStopped'),
    onReceiverError: forward('onReceiverError'),
  });
  (job as Job)(ctx);
  const graph = ctx.executorGraph();
  post({ type: 'ready', fingerprint: graph.fingerprint(), graph: graph.describe() });

  /** The task's base records: read by the source first when they are what it planned. */
  const baseRecords = async (task: CombineTask | OutputTask): Promise<readonly unknown[]> => {
    const records = unpackRecords(task.data);
    if (task.readStreamId === undefined) return records;
    const read = graph.streams[task.readStreamId]?.remoteRead;
    if (read === undefined) throw new Error(`stream #${task.readStreamId} reads no source here`);
    return read.read(records, { executorId: data.executorId, partition: task.partition });
  };

  const combine = async (task: CombineTask): Promise<ArrayBuffer> => {
    const wide = graph.streams[task.wideStreamId];
    const chain = graph.streams[task.chainStreamId];
    if (wide?.mapSide === undefined || chain === undefined)
      throw new Error(`stream #${task.wideStreamId} is not a wide operation here`);
    const map = new KeyedMap<unknown, unknown>();
    chain.runChain(await baseRecords(task), wide.mapSide.emitInto(map), task.identity);
    return packRecords([...map.entries()]);
  };

  const output = async (task: OutputTask): Promise<void> => {
    const op = graph.outputs[task.outputIndex];
    const chain = graph.streams[task.chainStreamId];
    if (op?.partitionTask === undefined || chain === undefined)
      throw new Error(`output ${task.outputIndex} has no partition task here`);
    const records: unknown[] = [];
    chain.runChain(await baseRecords(task), (r: unknown) => records.push(r), task.identity);
    await op.partitionTask(records, {
      batchTime: task.time,
      partition: task.partition,
      numPartitions: task.numPartitions,
      attempt: task.attempt,
      executorId: data.executorId,
      offsetRanges: task.offsetRanges,
      partitionsAlignedWithOffsets: task.aligned,
    });
  };

  port.on('message', (message: DriverMessage) => {
    if (message.type === 'stop') {
      void (async () => {
        await receivers.stopAll([...hosted]);
        for (const op of graph.outputs) await op.close?.().catch(() => undefined);
        await closeExecutorClients();
        port.close();
      })();
      return;
    }
    if (message.type !== 'task') {
      if (message.type === 'startReceiver') hosted.add(message.streamId);
      receivers.handle(message);
      return;
    }
    void withTaskAccumulators(async () => {
      if (message.kind === 'combine') return combine(message);
      await output(message);
      return undefined;
    }).then(
      ({ result, deltas }) =>
        post(
          {
            type: 'result',
            taskId: message.taskId,
            ...(result ? { data: result } : {}),
            accumulators: [...deltas],
          },
          result ? [result] : [],
        ),
      (error: unknown) => post({ type: 'failed', taskId: message.taskId, error: serializeError(error) }),
    );
  });
}

main().catch((error: unknown) => {
  post({ type: 'fatal', error: serializeError(error) });
});
