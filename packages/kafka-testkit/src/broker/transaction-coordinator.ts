import { ErrorCode } from '../protocol/error-codes.js';
import { encodeControlBatch, readBatchHeader } from '../protocol/record-batch.js';
import type { ClusterState } from './cluster-state.js';
import { type CommittedOffset, offsetKey } from './group.js';

export type TransactionState = 'Empty' | 'Ongoing' | 'CompleteCommit' | 'CompleteAbort';

export interface Transaction {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  state: TransactionState;
  timeoutMs: number;
  startedAt: number;
  /** topic → partitions added with AddPartitionsToTxn. */
  partitions: Map<string, Set<number>>;
  /** group → offsets from TxnOffsetCommit, applied only when the transaction commits. */
  pendingOffsets: Map<string, Map<string, { topic: string; partition: number; offset: CommittedOffset }>>;
  groups: Set<string>;
}

/** Producer ids, epochs and the transaction state machine (Kafka's transaction coordinator, in memory). */
export class TransactionCoordinator {
  private nextProducerId = 0;
  /** Current epoch of every producer id handed out; produce requests with an older one are fenced. */
  readonly epochs = new Map<number, number>();
  readonly transactions = new Map<string, Transaction>();

  constructor(private readonly cluster: ClusterState) {}

  initProducerId(transactionalId: string | null, timeoutMs: number) {
    if (transactionalId === null) {
      const producerId = this.nextProducerId++;
      this.epochs.set(producerId, 0);
      return { errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
    }
    if (timeoutMs <= 0 || timeoutMs > this.cluster.options.transactionMaxTimeoutMs) {
      return { errorCode: ErrorCode.INVALID_TRANSACTION_TIMEOUT, producerId: -1, producerEpoch: -1 };
    }
    let txn = this.transactions.get(transactionalId);
    if (!txn) {
      const producerId = this.nextProducerId++;
      txn = {
        transactionalId,
        producerId,
        producerEpoch: -1,
        state: 'Empty',
        timeoutMs,
        startedAt: 0,
        partitions: new Map(),
        pendingOffsets: new Map(),
        groups: new Set(),
      };
      this.transactions.set(transactionalId, txn);
    }
    // A new incarnation fences the old one. Like Kafka, an open transaction is first aborted under a
    // bumped epoch (its markers carry it), and the new producer then gets the epoch after that.
    if (txn.state === 'Ongoing') {
      txn.producerEpoch++;
      this.complete(txn, false);
    }
    txn.producerEpoch++;
    this.epochs.set(txn.producerId, txn.producerEpoch);
    txn.timeoutMs = timeoutMs;
    txn.state = 'Empty';
    return { errorCode: ErrorCode.NONE, producerId: txn.producerId, producerEpoch: txn.producerEpoch };
  }

  /** Validates (transactional id, producer id, epoch) as AddPartitions/AddOffsets/EndTxn do. */
  validate(transactionalId: string, producerId: number, producerEpoch: number) {
    const txn = this.transactions.get(transactionalId);
    if (!txn || txn.producerId !== producerId) return { errorCode: ErrorCode.INVALID_PRODUCER_ID_MAPPING };
    if (txn.producerEpoch !== producerEpoch) return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH };
    return { errorCode: ErrorCode.NONE, txn };
  }

  addPartitions(txn: Transaction, topic: string, partition: number): void {
    this.begin(txn);
    const set = txn.partitions.get(topic) ?? new Set<number>();
    set.add(partition);
    txn.partitions.set(topic, set);
  }

  addOffsets(txn: Transaction, groupId: string): void {
    this.begin(txn);
    txn.groups.add(groupId);
  }

  addPendingOffset(
    txn: Transaction,
    groupId: string,
    topic: string,
    partition: number,
    offset: CommittedOffset,
  ) {
    const pending = txn.pendingOffsets.get(groupId) ?? new Map();
    pending.set(offsetKey(topic, partition), { topic, partition, offset });
    txn.pendingOffsets.set(groupId, pending);
  }

  /** Returns true if `transactionalId` has `topic`/`partition` in its open transaction. */
  hasPartition(producerId: number, topic: string, partition: number): boolean {
    for (const txn of this.transactions.values()) {
      if (txn.producerId === producerId && txn.state === 'Ongoing') {
        return txn.partitions.get(topic)?.has(partition) ?? false;
      }
    }
    return false;
  }

  endTxn(txn: Transaction, commit: boolean): number {
    if (txn.state === 'Ongoing') {
      this.complete(txn, commit);
      return ErrorCode.NONE;
    }
    // A retried EndTxn of the outcome already reached succeeds, anything else is out of order.
    if ((txn.state === 'CompleteCommit' && commit) || (txn.state === 'CompleteAbort' && !commit))
      return ErrorCode.NONE;
    return ErrorCode.INVALID_TXN_STATE;
  }

  /** Aborts transactions older than their timeout, bumping the epoch like Kafka's timeout abort. */
  sweep(now: number): void {
    for (const txn of this.transactions.values()) {
      if (txn.state === 'Ongoing' && now - txn.startedAt > txn.timeoutMs) {
        txn.producerEpoch++;
        this.epochs.set(txn.producerId, txn.producerEpoch);
        this.complete(txn, false);
      }
    }
  }

  private begin(txn: Transaction): void {
    if (txn.state === 'Ongoing') return;
    txn.state = 'Ongoing';
    txn.startedAt = Date.now();
    txn.partitions.clear();
    txn.groups.clear();
    txn.pendingOffsets.clear();
  }

  /** Writes a commit or abort marker to every partition of the transaction; offsets apply on commit only. */
  private complete(txn: Transaction, commit: boolean): void {
    for (const [topic, partitions] of txn.partitions) {
      for (const partition of partitions) {
        const log = this.cluster.partition(topic, partition);
        if (!log) continue;
        const marker = encodeControlBatch(commit, txn.producerId, txn.producerEpoch);
        const stored = log.append(marker, readBatchHeader(marker));
        const firstOffset = log.openTransactions.get(txn.producerId);
        log.openTransactions.delete(txn.producerId);
        if (!commit && firstOffset !== undefined) {
          log.abortedTransactions.push({
            producerId: txn.producerId,
            firstOffset,
            lastOffset: stored.baseOffset,
          });
        }
        const sequences = log.producers.get(txn.producerId);
        // A marker under a bumped epoch starts the producer's sequences over, as in Kafka.
        if (sequences && txn.producerEpoch > sequences.epoch) {
          sequences.epoch = txn.producerEpoch;
          sequences.recent = [];
        }
      }
    }
    if (commit) {
      for (const [groupId, offsets] of txn.pendingOffsets) {
        for (const { topic, partition, offset } of offsets.values()) {
          this.cluster.groups.commit(groupId, topic, partition, offset);
        }
      }
    }
    txn.state = commit ? 'CompleteCommit' : 'CompleteAbort';
    txn.partitions.clear();
    txn.pendingOffsets.clear();
    txn.groups.clear();
    this.cluster.notify();
  }
}
