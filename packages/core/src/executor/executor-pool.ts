import { Worker } from 'node:worker_threads';
import { type Accumulator, applyDeltas } from '../accumulators.js';
import type { Time } from '../batch.js';
import type { DStream, PartitionScan } from '../dstream/dstream.js';
import type { ExecutorBackend, OutputOperation } from '../dstream/dstream-graph.js';
import { ConfigError, DStreamError } from '../errors.js';
import type { Logger } from '../listener.js';
import { type TaskRunnerOptions, runTasksInline } from '../scheduler/inline-task-runner.js';
import {
  type CombineTask,
  type DriverMessage,
  type ExecutorData,
  type ExecutorMessage,
  type OutputTask,
  type ReceiverExecutorMessage,
  deserializeError,
} from './executor-protocol.js';
import { bootstrap } from './executor-bootstrap.js';
import { packRecords, unpackRecords } from './record-codec.js';
import { type ResolvedSpeculation, StageSpeculation, speculate } from './speculation.js';

/** An executor thread ended while it ran a task: the task runs again elsewhere. */
export class ExecutorLostError extends DStreamError {
  constructor(message: string) {
    super('TASK_FAILED', message, { retryable: true });
  }
}

type TaskResult = ExecutorMessage & { type: 'result' };

interface Executor {
  readonly id: number;
  /** Unique per started thread (a replacement keeps the id, not the instance). */
  readonly instance: number;
  readonly worker: Worker;
  readonly running: Map<
    number,
    { resolve: (m: ExecutorMessage & { type: 'result' }) => void; reject: (e: unknown) => void }
  >;
  readonly requests: Map<number, { resolve: () => void; reject: (e: unknown) => void }>;
  ready: Promise<void>;
  alive: boolean;
}

export interface ExecutorPoolOptions {
  count: number;
  moduleUrl: string;
  exportName: string;
  batchInterval: number;
  defaultParallelism: number;
  broadcasts: unknown[];
  accumulators: readonly Accumulator[];
  fingerprint: string;
  graph: string[];
  tasks: TaskRunnerOptions;
  logger: Logger;
  blockInterval: number;
  receiverRestartDelay: number;
  receiverMaxPendingRecords: number;
  /** Speculative copies of slow tasks (off when undefined). */
  speculation?: ResolvedSpeculation | undefined;
  /** Receives what executors say about the receivers they host. */
  onReceiverMessage?: (instance: number, message: ReceiverExecutorMessage) => void;
  /** Called after an executor thread ended (and, unless stopping, a replacement was started). */
  onExecutorLost?: (instance: number) => void;
}

/**
 * N worker-thread executors (Spark's executors on one machine). Each rebuilds the job's graph from
 * the job module and must report the driver's fingerprint. Tasks go to the least busy executor; an
 * executor that dies is replaced and its tasks fail with a retryable error, so they run again.
 */
export class ExecutorPool implements ExecutorBackend {
  private readonly executors: Executor[] = [];
  private nextTaskId = 1;
  private nextInstance = 1;
  private nextRequestId = 1;
  private stopping = false;

  constructor(private readonly options: ExecutorPoolOptions) {
    if (!Number.isInteger(options.count) || options.count < 1)
      throw new ConfigError(`executors must be a whole number >= 0, got ${options.count}`);
  }

  async start(): Promise<void> {
    for (let id = 1; id <= this.options.count; id++) this.executors.push(this.spawn(id));
    await Promise.all(this.executors.map((e) => e.ready));
  }

  private spawn(id: number): Executor {
    const data: ExecutorData = {
      executorId: id,
      moduleUrl: this.options.moduleUrl,
      exportName: this.options.exportName,
      batchInterval: this.options.batchInterval,
      defaultParallelism: this.options.defaultParallelism,
      broadcasts: this.options.broadcasts,
      blockInterval: this.options.blockInterval,
      receiverRestartDelay: this.options.receiverRestartDelay,
      receiverMaxPendingRecords: this.options.receiverMaxPendingRecords,
    };
    const { code, execArgv } = bootstrap(this.options.moduleUrl);
    const worker = new Worker(code, { eval: true, workerData: data, execArgv });
    const executor: Executor = {
      id,
      instance: this.nextInstance++,
      worker,
      running: new Map(),
      requests: new Map(),
      ready: Promise.resolve(),
      alive: true,
    };
    executor.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (message: ExecutorMessage) => {
        if (message.type === 'ready') {
          if (message.fingerprint !== this.options.fingerprint) {
            const diff =
              message.graph.find((line, i) => line !== this.options.graph[i]) ?? '(a missing stream)';
            reject(
              new ConfigError(
                `executor ${id} built a different graph from ${this.options.moduleUrl}#${this.options.exportName} (first difference: ${diff}); the job function must build the same graph every time`,
              ),
            );
            void worker.terminate();
            return;
          }
          resolve();
        } else if (message.type === 'fatal') {
          reject(deserializeError(message.error, id));
        } else if (message.type === 'reply') {
          const request = executor.requests.get(message.requestId);
          executor.requests.delete(message.requestId);
          request?.resolve();
        } else if (message.type === 'block' || message.type === 'receiverEvent') {
          this.options.onReceiverMessage?.(executor.instance, message);
        } else {
          const task = executor.running.get(message.taskId);
          executor.running.delete(message.taskId);
          if (task === undefined) return;
          if (message.type === 'result') task.resolve(message);
          else task.reject(deserializeError(message.error, id));
        }
      });
      worker.on('error', (error) => {
        this.options.logger.warn(`executor ${id} failed`, { error });
        reject(error);
      });
      worker.on('exit', (code) => {
        executor.alive = false;
        reject(new ExecutorLostError(`executor ${id} exited (code ${code}) while starting`));
        for (const [, task] of executor.running)
          task.reject(new ExecutorLostError(`executor ${id} exited (code ${code}) while running a task`));
        executor.running.clear();
        for (const [, request] of executor.requests)
          request.reject(new ExecutorLostError(`executor ${id} exited (code ${code})`));
        executor.requests.clear();
        if (!this.stopping) {
          this.options.logger.warn(`executor ${id} exited with code ${code}; starting a replacement`);
          const index = this.executors.indexOf(executor);
          if (index >= 0) this.executors[index] = this.spawn(id);
        }
        this.options.onExecutorLost?.(executor.instance);
      });
    });
    executor.ready.catch(() => undefined);
    return executor;
  }

  /** The live executors: their ids and instances. */
  live(): Array<{ id: number; instance: number }> {
    return this.executors.filter((e) => e.alive).map((e) => ({ id: e.id, instance: e.instance }));
  }

  /** The id of an executor instance (for messages). */
  idOf(instance: number): number | undefined {
    return this.executors.find((e) => e.instance === instance)?.id;
  }

  /**
   * Posts a message to one executor instance once it is ready; false (and nothing sent) when that
   * instance is gone, so that a reply to a dead executor never reaches its replacement.
   */
  post(instance: number, message: DriverMessage, transfer: ArrayBuffer[] = []): boolean {
    const executor = this.executors.find((e) => e.instance === instance && e.alive);
    if (executor === undefined) return false;
    void executor.ready.then(
      () => {
        if (executor.alive) executor.worker.postMessage(message, transfer);
      },
      () => undefined,
    );
    return true;
  }

  /** Posts a request and resolves on the executor's reply; rejects with ExecutorLostError if it dies. */
  request(instance: number, make: (requestId: number) => DriverMessage): Promise<void> {
    const executor = this.executors.find((e) => e.instance === instance && e.alive);
    if (executor === undefined)
      return Promise.reject(new ExecutorLostError(`executor instance ${instance} is gone`));
    const requestId = this.nextRequestId++;
    const replied = new Promise<void>((resolve, reject) =>
      executor.requests.set(requestId, { resolve, reject }),
    );
    this.post(instance, make(requestId));
    return replied;
  }

  /**
   * Sends a task to the least busy live executor (other than instance `avoid`, for a speculative
   * copy); undefined when there is none. The result settles when the executor answers or dies.
   */
  private place(
    task: DriverMessage & { type: 'task' },
    avoid: number | undefined,
  ): { instance: number; result: Promise<TaskResult> } | undefined {
    const candidates = this.executors.filter((e) => e.alive && e.instance !== avoid);
    if (candidates.length === 0) return undefined;
    const executor = candidates.reduce((a, b) => (b.running.size < a.running.size ? b : a));
    // Registered before waiting, so concurrent submissions spread over the executors.
    const result = new Promise<TaskResult>((resolve, reject) => {
      executor.running.set(task.taskId, { resolve, reject });
    });
    result.catch(() => undefined);
    executor.ready.then(
      () => {
        if (executor.alive) executor.worker.postMessage(task, [task.data]);
      },
      (error: unknown) => {
        executor.running.get(task.taskId)?.reject(error);
        executor.running.delete(task.taskId);
      },
    );
    return { instance: executor.instance, result };
  }

  /**
   * Runs a stage: one task per partition (made afresh for every launch, as its records are
   * transferred), retried as on the driver, with speculative copies when speculation is on.
   */
  private async runTasks(
    label: string,
    time: Time,
    n: number,
    makeTask: (partition: number, attempt: number) => DriverMessage & { type: 'task' },
    onResult: (partition: number, result: TaskResult) => void,
  ): Promise<void> {
    const concurrency = Math.max(this.options.tasks.concurrency, this.options.count * 2);
    const speculation = this.options.speculation;
    const stage =
      speculation !== undefined && n > 1 && this.options.count > 1
        ? new StageSpeculation(n, speculation, (partition) =>
            this.options.logger.info(`speculating task ${label} partition ${partition} of batch ${time}`),
          )
        : undefined;
    try {
      await runTasksInline(
        { ...this.options.tasks, concurrency },
        label,
        time,
        n,
        async (partition, attempt) => {
          const launch = (avoid: number | undefined) => this.place(makeTask(partition, attempt), avoid);
          const placed =
            stage === undefined ? launch(undefined)?.result : speculate(stage, partition, launch);
          if (placed === undefined) throw new ExecutorLostError('no executor is alive');
          onResult(partition, await placed);
        },
      );
    } finally {
      stage?.close();
    }
  }

  async combine(
    label: string,
    time: Time,
    wide: DStream<unknown>,
    scan: PartitionScan<unknown>,
  ): Promise<Array<Array<[unknown, unknown]>>> {
    const results: Array<Array<[unknown, unknown]>> = [];
    await this.runTasks(
      label,
      time,
      scan.numPartitions,
      (partition, attempt): CombineTask => ({
        type: 'task',
        kind: 'combine',
        taskId: this.nextTaskId++,
        time,
        partition,
        attempt,
        chainStreamId: scan.origin.chain.id,
        identity: scan.origin.identity,
        ...(scan.origin.readStreamId === undefined ? {} : { readStreamId: scan.origin.readStreamId }),
        wideStreamId: wide.id,
        data: packRecords(scan.origin.partitions[partition]!),
      }),
      (partition, result) => {
        results[partition] = unpackRecords(result.data!) as Array<[unknown, unknown]>;
        applyDeltas(this.options.accumulators, result.accumulators);
      },
    );
    return results;
  }

  async runOutput(
    label: string,
    time: Time,
    output: OutputOperation,
    scan: PartitionScan<unknown>,
  ): Promise<void> {
    const outputIndex = output.stream.graph.outputs.indexOf(output);
    const ranges = scan.meta.offsetRanges ?? [];
    const aligned = scan.meta.partitionsAlignedWithOffsets === true && ranges.length === scan.numPartitions;
    await this.runTasks(
      label,
      time,
      scan.numPartitions,
      (partition, attempt): OutputTask => ({
        type: 'task',
        kind: 'output',
        taskId: this.nextTaskId++,
        time,
        partition,
        attempt,
        chainStreamId: scan.origin.chain.id,
        identity: scan.origin.identity,
        ...(scan.origin.readStreamId === undefined ? {} : { readStreamId: scan.origin.readStreamId }),
        outputIndex,
        numPartitions: scan.numPartitions,
        offsetRanges: ranges,
        aligned,
        data: packRecords(scan.origin.partitions[partition]!),
      }),
      (_, result) => applyDeltas(this.options.accumulators, result.accumulators),
    );
  }

  /** Stops every executor: each closes its sinks and clients first. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.executors.map(async (e) => {
        if (!e.alive) return;
        const exited = new Promise<void>((resolve) => e.worker.once('exit', () => resolve()));
        e.worker.postMessage({ type: 'stop' } satisfies DriverMessage);
        const timer = setTimeout(() => void e.worker.terminate(), 10_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
