import { apiHandlers } from './apis/registry.js';
import { appendRecords } from './apis/produce.js';
import { BrokerServer } from './broker/broker-server.js';
import { type BrokerNode, ClusterState } from './broker/cluster-state.js';
import { ErrorCode } from './protocol/error-codes.js';
import { encodeBatch, type RecordData, type RecordInput } from './protocol/record-batch.js';

export interface KafkaTestClusterOptions {
  /** `auto.create.topics.enable`: Metadata creates unknown topics (1 partition by default). Default true. */
  autoCreateTopics?: boolean;
  /** `num.partitions` for auto-created topics. Default 1. */
  defaultPartitions?: number;
  /** `group.min.session.timeout.ms`. Default 1000 (Kafka's is 6000; tests want short sessions). */
  groupMinSessionTimeoutMs?: number;
  /** `group.max.session.timeout.ms`. Default 1800000. */
  groupMaxSessionTimeoutMs?: number;
  /** `transaction.max.timeout.ms`. Default 900000. */
  transactionMaxTimeoutMs?: number;
  /** Number of brokers (node ids 1..N). Default 3. */
  brokers?: number;
  /** Loopback address to listen on. Default '127.0.0.1'. */
  host?: string;
  /** Port of the first broker; the others take the next ports. 0 (default) = ephemeral ports. */
  port?: number;
  /** Called with errors that closed a connection (malformed or unsupported requests). */
  onError?: (error: unknown) => void;
}

export interface CommittedGroupOffset {
  topic: string;
  partition: number;
  offset: number;
  metadata: string | null;
}

/**
 * An in-process Kafka cluster speaking the wire protocol on loopback.
 *
 * ```ts
 * const cluster = await KafkaTestCluster.start({ brokers: 1 });
 * const kafka = new Kafka({ brokers: cluster.bootstrap });
 * // ...
 * await cluster.stop();
 * ```
 */
export class KafkaTestCluster {
  private constructor(
    private readonly state: ClusterState,
    private readonly servers: BrokerServer[],
  ) {}

  static async start(options: KafkaTestClusterOptions = {}): Promise<KafkaTestCluster> {
    const count = options.brokers ?? 3;
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError(`brokers must be a positive integer, got ${count}`);
    const host = options.host ?? '127.0.0.1';
    const basePort = options.port ?? 0;
    const nodes: BrokerNode[] = [];
    for (let i = 0; i < count; i++) {
      nodes.push({ nodeId: i + 1, host, port: basePort === 0 ? 0 : basePort + i, up: false });
    }
    const state = new ClusterState(nodes, {
      autoCreateTopics: options.autoCreateTopics ?? true,
      defaultPartitions: options.defaultPartitions ?? 1,
      groupMinSessionTimeoutMs: options.groupMinSessionTimeoutMs ?? 1000,
      groupMaxSessionTimeoutMs: options.groupMaxSessionTimeoutMs ?? 1_800_000,
      transactionMaxTimeoutMs: options.transactionMaxTimeoutMs ?? 900_000,
    });
    const onError = options.onError ?? (() => {});
    const servers = nodes.map((node) => new BrokerServer(state, node, apiHandlers, onError));
    try {
      for (const server of servers) await server.listen();
    } catch (error) {
      await Promise.all(servers.map((server) => server.close()));
      state.close();
      throw error;
    }
    return new KafkaTestCluster(state, servers);
  }

  /** `host:port` of every live broker. */
  get bootstrap(): string[] {
    return this.state.liveBrokers().map((node) => `${node.host}:${node.port}`);
  }

  get clusterId(): string {
    return this.state.clusterId;
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.close()));
    this.state.close();
  }

  createTopic(name: string, options: { partitions?: number; replicationFactor?: number } = {}): void {
    const result = this.state.createTopic(name, options.partitions ?? 1, options.replicationFactor ?? 1);
    if (result.errorCode !== ErrorCode.NONE) throw new Error(result.message ?? `cannot create topic ${name}`);
  }

  deleteTopic(name: string): void {
    if (!this.state.deleteTopic(name)) throw new Error(`topic "${name}" does not exist`);
  }

  topics(): string[] {
    return [...this.state.topics.keys()];
  }

  /** Appends records as one batch per partition; returns the base offset of each partition's batch. */
  produce(
    topic: string,
    records: Array<RecordInput & { partition?: number }>,
  ): Array<{ partition: number; baseOffset: number }> {
    const byPartition = new Map<number, RecordInput[]>();
    for (const record of records) {
      const list = byPartition.get(record.partition ?? 0) ?? [];
      list.push(record);
      byPartition.set(record.partition ?? 0, list);
    }
    const out: Array<{ partition: number; baseOffset: number }> = [];
    for (const [partition, list] of byPartition) {
      const log = this.log(topic, partition);
      const result = appendRecords(this.state, log, encodeBatch(list));
      if (result.errorCode)
        throw new Error(`produce to ${topic}/${partition} failed with error ${result.errorCode}`);
      out.push({ partition, baseOffset: result.baseOffset });
    }
    this.state.notify();
    return out;
  }

  /** Data records (control markers excluded, aborted ones included) from `fromOffset` on. */
  readRecords(topic: string, partition: number, fromOffset = 0): RecordData[] {
    return this.log(topic, partition).records(fromOffset);
  }

  offsets(topic: string, partition: number) {
    const log = this.log(topic, partition);
    return {
      logStartOffset: log.logStartOffset,
      highWatermark: log.highWatermark,
      lastStableOffset: log.lastStableOffset,
    };
  }

  deleteRecordsBefore(topic: string, partition: number, offset: number): void {
    const log = this.log(topic, partition);
    if (offset < 0 || offset > log.highWatermark) {
      throw new RangeError(`offset ${offset} is outside ${topic}/${partition} [0, ${log.highWatermark}]`);
    }
    log.deleteRecordsBefore(offset);
  }

  committedOffsets(groupId: string): CommittedGroupOffset[] {
    const group = this.state.groups.groups.get(groupId);
    if (!group) return [];
    return [...group.offsets].map(([key, committed]) => {
      const [topic, partition] = key.split('\u0000') as [string, string];
      return { topic, partition: Number(partition), offset: committed.offset, metadata: committed.metadata };
    });
  }

  /** The next `times` requests of `apiKey` fail with `errorCode` everywhere and change nothing. */
  failNext(apiKey: number, errorCode: number, options: { times?: number } = {}): void {
    this.state.injectFault(apiKey, errorCode, options.times ?? 1);
  }

  /** The next request of `apiKey` waits `ms` before it is handled. */
  delayNext(apiKey: number, ms: number): void {
    this.state.injectDelay(apiKey, ms);
  }

  /** Closes every client connection; clients reconnect as after a network blip. */
  dropConnections(): void {
    for (const server of this.servers) server.dropConnections();
  }

  /** Stops one broker's listener; its partitions move to live brokers with a bumped leader epoch. */
  async stopBroker(nodeId: number): Promise<void> {
    // Stopping every broker is allowed: partitions then keep their (stopped) leader until it restarts.
    await this.server(nodeId).close();
    this.state.moveLeadership();
  }

  /** Listens again on the broker's previous port (no-op if it is running). Leadership stays where it moved. */
  async restartBroker(nodeId: number): Promise<void> {
    const server = this.server(nodeId);
    if (server.node.up) return;
    await server.listen();
  }

  private server(nodeId: number): BrokerServer {
    const server = this.servers.find((s) => s.node.nodeId === nodeId);
    if (!server) throw new RangeError(`no broker with node id ${nodeId}`);
    return server;
  }

  private log(topic: string, partition: number) {
    const log = this.state.partition(topic, partition);
    if (!log) throw new Error(`unknown topic-partition ${topic}/${partition}`);
    return log;
  }
}
