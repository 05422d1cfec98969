/**
 * The small part of a Kafka client that the connector uses, typed by us (convention 3): the sink,
 * the direct stream and the receiver talk only to this interface, and each client library gets an
 * adapter (`kafkajsClient` for kafkajs 2.2.4).
 */

/** Compression codecs, by Kafka's names. */
export type KafkaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** Header values as they come off the wire. */
export type KafkaHeaders = Record<string, Buffer | Buffer[] | undefined>;

/** One partition of a topic as the cluster metadata describes it. */
export interface KafkaPartitionInfo {
  readonly partition: number;
  /** Node id of the current leader. */
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

/** The offsets a partition holds: [earliest, latest); `latest` is the last stable offset (read_committed). */
export interface KafkaPartitionOffsets {
  readonly partition: number;
  readonly earliest: number;
  readonly latest: number;
}

/** A record as read from Kafka, before deserialization. */
export interface KafkaRawRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: KafkaHeaders;
}

/** A record to write. */
export interface KafkaOutgoingRecord {
  readonly key: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers?: Record<string, Buffer | string>;
  readonly timestamp?: number;
}

/** Which records [fromOffset, untilOffset) of one topic-partition to read. */
export interface KafkaFetchRange {
  readonly topic: string;
  readonly partition: number;
  readonly fromOffset: number;
  readonly untilOffset: number;
}

/** Group offsets: the next offset to read per topic-partition. */
export interface KafkaGroupOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/**
 * A producer that writes one topic-partition per request, so that every request goes to exactly
 * one leader: an acknowledged request is durable (acks=-1) even when another leader dies.
 */
export interface KafkaProducerClient {
  /** Writes records to one partition with acks=-1; resolves when all are acknowledged. */
  sendPartition(
    topic: string,
    partition: number,
    records: readonly KafkaOutgoingRecord[],
    compression: KafkaCompression,
  ): Promise<void>;
  /** Begins a transaction (only for a producer created with a transactional id). */
  transaction(): Promise<KafkaTransactionClient>;
  close(): Promise<void>;
}

/** One open transaction: Kafka's produce + sendOffsetsToTransaction + commit/abort. */
export interface KafkaTransactionClient {
  sendPartition(
    topic: string,
    partition: number,
    records: readonly KafkaOutgoingRecord[],
    compression: KafkaCompression,
  ): Promise<void>;
  /** Adds the group's next offsets to the transaction: they are committed with the records. */
  sendOffsets(groupId: string, offsets: readonly KafkaGroupOffset[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** Consumer-group settings, with kafkajs' names (the seeds' `session.timeout.ms` is `sessionTimeout`). */
export interface KafkaConsumerSettings {
  /** `session.timeout.ms`: how long the coordinator waits for a heartbeat. kafkajs default 30 000. */
  sessionTimeout?: number;
  /** `max.poll.interval.ms`'s nearest kafkajs equivalent: the time allowed for a rebalance. */
  rebalanceTimeout?: number;
  /** `heartbeat.interval.ms`. */
  heartbeatInterval?: number;
  /** `fetch.max.wait.ms`: longest wait of one fetch for data. Default here 500. */
  maxWaitTimeInMs?: number;
  /** `max.partition.fetch.bytes`. */
  maxBytesPerPartition?: number;
  /** `fetch.min.bytes`. */
  minBytes?: number;
  /** `fetch.max.bytes`. */
  maxBytes?: number;
  /** `isolation.level=read_uncommitted` when true; read_committed by default. */
  readUncommitted?: boolean;
}

/** What a group consumer hands to its handler: the records of one fetched batch of one partition. */
export interface KafkaConsumedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly KafkaRawRecord[];
}

/** A consumer-group member (Spark's createStream receiver is built on one). */
export interface KafkaGroupConsumerClient {
  /** Joins the group and calls `handle` for each fetched batch, one partition at a time. */
  run(
    topics: readonly string[],
    fromBeginning: boolean,
    handle: (batch: KafkaConsumedBatch) => Promise<void>,
  ): Promise<void>;
  /** Commits next offsets for the group. */
  commit(offsets: readonly KafkaGroupOffset[]): Promise<void>;
  close(): Promise<void>;
}

/** A topic-partition. */
export interface KafkaTopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** A member of a group as its leader sees it while assigning partitions. */
export interface KafkaGroupMemberInfo {
  readonly memberId: string;
  readonly topics: readonly string[];
}

/** Splits the partitions among the members; run by the member the coordinator elects leader. */
export type KafkaGroupAssignor = (
  members: readonly KafkaGroupMemberInfo[],
) => Promise<ReadonlyMap<string, readonly KafkaTopicPartition[]>>;

/** Group membership settings (Kafka's names in the comments). */
export interface KafkaGroupMemberSettings {
  /** `session.timeout.ms`: a member silent this long is removed and its partitions reassigned. Default 10 000. */
  sessionTimeout?: number;
  /** `max.poll.interval.ms`'s role here: how long a member may take to finish its batches and rejoin. Default 30 000. */
  rebalanceTimeout?: number;
  /** `heartbeat.interval.ms`. Default 1000. */
  heartbeatInterval?: number;
}

/**
 * Membership in a consumer group without consuming (the classic JoinGroup/SyncGroup/Heartbeat
 * protocol): the direct stream owns reading and offsets, and rejoins only when it is ready to.
 */
export interface KafkaGroupMemberClient {
  /** Joins (or rejoins) the group; if elected leader, `assign` splits the partitions. Resolves with ours. */
  join(assign: KafkaGroupAssignor): Promise<KafkaTopicPartition[]>;
  /** 'rebalance' when the coordinator wants this member to rejoin (another joined, left or died). */
  heartbeat(): Promise<'stable' | 'rebalance'>;
  /** Commits next offsets as this member of the current generation. */
  commit(offsets: readonly KafkaGroupOffset[]): Promise<void>;
  /** Leaves the group, so that the others take over its partitions at once. */
  leave(): Promise<void>;
}

export interface KafkaProducerOptions {
  /** Transactional id: makes the producer transactional (and fences older producers with it). */
  readonly transactionalId?: string;
  /** Kafka's `transaction.timeout.ms`. */
  readonly transactionTimeout?: number;
}

/** The client interface the connector is written against. */
export interface KafkaClient {
  /** The library behind it, shown in logs ("kafkajs 2.2.4"). */
  readonly name: string;
  /** Partitions of a topic with their leaders; `refresh` forces a metadata request. */
  partitions(topic: string, refresh?: boolean): Promise<KafkaPartitionInfo[]>;
  /** Earliest and latest (read_committed) offsets of every partition of a topic. */
  topicOffsets(topic: string): Promise<KafkaPartitionOffsets[]>;
  /** The group's committed next offsets for these topics (partitions without a commit are left out). */
  groupOffsets(groupId: string, topics: readonly string[]): Promise<KafkaGroupOffset[]>;
  /** Commits next offsets for a group that has no active members (a direct stream's group). */
  commitGroupOffsets(groupId: string, offsets: readonly KafkaGroupOffset[]): Promise<void>;
  /** Reads exactly the committed records of [fromOffset, untilOffset) (fewer if some are aborted or compacted). */
  fetchRange(range: KafkaFetchRange): Promise<KafkaRawRecord[]>;
  /**
   * `fetchRange` of several ranges at once, one result per range in the given order: the ranges that
   * share a leader go in one Fetch request. Optional; without it the connector calls `fetchRange`
   * once per range.
   */
  fetchRanges?(ranges: readonly KafkaFetchRange[]): Promise<KafkaRawRecord[][]>;
  /** A new idempotent (or transactional) producer with acks=-1. */
  producer(options?: KafkaProducerOptions): Promise<KafkaProducerClient>;
  /** A group member that only takes part in partition assignment (a direct stream's scale-out). */
  groupMember(
    groupId: string,
    topics: readonly string[],
    settings?: KafkaGroupMemberSettings,
  ): KafkaGroupMemberClient;
  /** A new consumer-group member. */
  groupConsumer(groupId: string, settings?: KafkaConsumerSettings): KafkaGroupConsumerClient;
  close(): Promise<void>;
}
