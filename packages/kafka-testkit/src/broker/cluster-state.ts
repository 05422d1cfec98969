import { randomBytes } from 'node:crypto';
import { ErrorCode } from '../protocol/error-codes.js';
import { GroupCoordinator } from './group-coordinator.js';
import { PartitionLog } from './partition-log.js';
import { TransactionCoordinator } from './transaction-coordinator.js';

export interface BrokerNode {
  nodeId: number;
  host: string;
  port: number;
  up: boolean;
}

export interface Topic {
  name: string;
  id: Buffer;
  partitions: PartitionLog[];
  replicationFactor: number;
  configs: Map<string, string>;
}

export interface ClusterOptions {
  /** Create unknown topics on Metadata requests that allow it, like `auto.create.topics.enable=true`. */
  autoCreateTopics: boolean;
  /** `num.partitions` for auto-created topics and CreateTopics with -1. */
  defaultPartitions: number;
  /** `group.min.session.timeout.ms`. */
  groupMinSessionTimeoutMs: number;
  /** `group.max.session.timeout.ms`. */
  groupMaxSessionTimeoutMs: number;
  /** `transaction.max.timeout.ms`. */
  transactionMaxTimeoutMs: number;
}

interface InjectedFault {
  errorCode: number;
  times: number;
}

const LEGAL_TOPIC = /^[a-zA-Z0-9._-]+$/;

/** Java's String.hashCode, so coordinator placement is stable for a name across runs. */
function javaHash(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(31, hash) + text.charCodeAt(i)) | 0;
  return hash;
}

/**
 * The single owner of every piece of broker state. All brokers of a cluster share it; Node's one event
 * loop serialises every mutation, so no locks are needed (kfake's design, with JavaScript's loop as the
 * cluster's goroutine).
 */
export class ClusterState {
  readonly clusterId = randomBytes(16).toString('base64url').slice(0, 22);
  readonly topics = new Map<string, Topic>();
  readonly groups: GroupCoordinator;
  readonly transactions: TransactionCoordinator;
  private readonly watchers = new Set<() => void>();
  private readonly faults = new Map<number, InjectedFault[]>();
  private readonly delays = new Map<number, number[]>();
  private nextLeader = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    readonly brokers: BrokerNode[],
    readonly options: ClusterOptions,
  ) {
    this.groups = new GroupCoordinator(this);
    this.transactions = new TransactionCoordinator(this);
    this.sweeper = setInterval(() => {
      const now = Date.now();
      this.groups.sweep(now);
      this.transactions.sweep(now);
    }, 50);
    this.sweeper.unref();
  }

  close(): void {
    clearInterval(this.sweeper);
    this.groups.close();
    for (const wake of this.watchers) wake();
  }

  liveBrokers(): BrokerNode[] {
    return this.brokers.filter((broker) => broker.up);
  }

  get controllerId(): number {
    return this.liveBrokers()[0]?.nodeId ?? -1;
  }

  /** Coordinator of a group or transactional id: a live broker chosen by hash, as Kafka does by partition. */
  coordinatorFor(key: string): BrokerNode | undefined {
    const live = this.liveBrokers();
    if (live.length === 0) return undefined;
    return live[Math.abs(javaHash(key)) % live.length];
  }

  isCoordinator(nodeId: number, key: string): boolean {
    return this.coordinatorFor(key)?.nodeId === nodeId;
  }

  validateTopicName(name: string): boolean {
    return name.length > 0 && name.length <= 249 && name !== '.' && name !== '..' && LEGAL_TOPIC.test(name);
  }

  createTopic(
    name: string,
    partitions: number,
    replicationFactor: number,
    configs: Map<string, string> = new Map(),
  ): { errorCode: number; message: string | null } {
    if (!this.validateTopicName(name)) {
      return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, message: `Topic name "${name}" is illegal` };
    }
    if (this.topics.has(name)) {
      return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, message: `Topic '${name}' already exists.` };
    }
    const count = partitions === -1 ? this.options.defaultPartitions : partitions;
    if (count <= 0) {
      return {
        errorCode: ErrorCode.INVALID_PARTITIONS,
        message: 'Number of partitions must be larger than 0.',
      };
    }
    const factor = replicationFactor === -1 ? 1 : replicationFactor;
    const live = this.liveBrokers();
    if (factor <= 0 || factor > live.length) {
      return {
        errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
        message: `Unable to replicate the partition ${factor} time(s): The target replication factor of ${factor} cannot be reached because only ${live.length} broker(s) are registered.`,
      };
    }
    const start = this.nextLeader++;
    const logs: PartitionLog[] = [];
    for (let p = 0; p < count; p++)
      logs.push(new PartitionLog(name, p, live[(start + p) % live.length]!.nodeId));
    this.topics.set(name, {
      name,
      id: randomBytes(16),
      partitions: logs,
      replicationFactor: factor,
      configs,
    });
    return { errorCode: ErrorCode.NONE, message: null };
  }

  /** Deletes the topic and, as Kafka's group coordinator does, every group's offsets for it. */
  deleteTopic(name: string): boolean {
    const deleted = this.topics.delete(name);
    if (!deleted) return false;
    this.groups.forgetTopic(name);
    this.notify();
    return true;
  }

  partition(topic: string, partition: number): PartitionLog | undefined {
    return this.topics.get(topic)?.partitions[partition];
  }

  /** Replica list of a partition: the leader first, then the next brokers (replication is simulated). */
  replicas(topic: Topic, log: PartitionLog): number[] {
    const ids = this.brokers.map((broker) => broker.nodeId);
    const first = ids.indexOf(log.leader);
    const out: number[] = [];
    for (let i = 0; i < topic.replicationFactor; i++) out.push(ids[(first + i) % ids.length]!);
    return out;
  }

  /** A stopped broker's partitions move to live brokers with a new leader epoch, as after an election. */
  moveLeadership(): void {
    const live = this.liveBrokers();
    if (live.length === 0) return;
    for (const topic of this.topics.values()) {
      for (const log of topic.partitions) {
        if (live.some((broker) => broker.nodeId === log.leader)) continue;
        log.leader = live[log.partition % live.length]!.nodeId;
        log.leaderEpoch++;
      }
    }
    this.notify();
  }

  /** Long-poll fetches register here and are woken by appends, markers and topic deletion. */
  watch(wake: () => void): () => void {
    this.watchers.add(wake);
    return () => this.watchers.delete(wake);
  }

  notify(): void {
    for (const wake of [...this.watchers]) wake();
  }

  injectFault(apiKey: number, errorCode: number, times: number): void {
    const list = this.faults.get(apiKey) ?? [];
    list.push({ errorCode, times });
    this.faults.set(apiKey, list);
  }

  /** The error to force on this request of `apiKey`, consuming one use of the oldest fault. */
  takeFault(apiKey: number): number {
    const list = this.faults.get(apiKey);
    const fault = list?.[0];
    if (!list || !fault) return ErrorCode.NONE;
    fault.times--;
    if (fault.times <= 0) list.shift();
    return fault.errorCode;
  }

  injectDelay(apiKey: number, ms: number): void {
    const list = this.delays.get(apiKey) ?? [];
    list.push(ms);
    this.delays.set(apiKey, list);
  }

  takeDelay(apiKey: number): number {
    return this.delays.get(apiKey)?.shift() ?? 0;
  }
}
