import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from './consumer-protocol.js';
import type {
  KafkaGroupAssignor,
  KafkaGroupMemberClient,
  KafkaGroupMemberSettings,
  KafkaGroupOffset,
  KafkaTopicPartition,
} from './kafka-client.js';
import { isRetriableKafkaError, kafkaErrorType } from './kafka-errors.js';

/** Our assignment protocol's name: every member of a direct stream's group speaks it. */
export const DIRECT_STREAM_PROTOCOL = 'dstream-direct';

/** Errors after which the member must join again rather than retry the same call. */
const REJOIN = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);
/** NOT_COORDINATOR and COORDINATOR_NOT_AVAILABLE, by Kafka's names and by kafkajs'. */
const COORDINATOR_MOVED = new Set([
  'NOT_COORDINATOR',
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR_FOR_GROUP',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
]);
const ATTEMPTS = 20;

/** What JoinGroup answers, as the protocol below needs it. */
export interface JoinedGroup {
  readonly memberId: string;
  readonly generationId: number;
  readonly leaderId: string;
  readonly members: ReadonlyArray<{ readonly memberId: string; readonly metadata: Buffer }>;
}

/** A client's calls to the group's coordinator (each adapter supplies its own transport). */
export interface GroupCoordinatorCalls {
  join(
    memberId: string,
    sessionTimeout: number,
    rebalanceTimeout: number,
    subscription: Buffer,
  ): Promise<JoinedGroup>;
  /** SyncGroup: resolves with this member's assignment bytes. */
  sync(
    generationId: number,
    memberId: string,
    assignments: ReadonlyArray<{ memberId: string; assignment: Buffer }>,
  ): Promise<Buffer>;
  heartbeat(generationId: number, memberId: string): Promise<void>;
  commit(generationId: number, memberId: string, offsets: readonly KafkaGroupOffset[]): Promise<void>;
  leave(memberId: string): Promise<void>;
  /** The coordinator moved or died: the next call looks it up again. */
  forgetCoordinator(): void;
}

const backoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));

/**
 * A direct stream's group member, speaking JoinGroup/SyncGroup/Heartbeat itself: a client's own
 * consumer rejoins as soon as a rebalance starts, but a direct stream must first finish the batches
 * it has planned (and commit them) before it gives its partitions up. The same protocol name and
 * consumer-protocol bytes whatever the client, so members on different clients share a group.
 */
export function groupMember(
  calls: GroupCoordinatorCalls,
  topics: readonly string[],
  settings: KafkaGroupMemberSettings = {},
): KafkaGroupMemberClient {
  const sessionTimeout = settings.sessionTimeout ?? 10_000;
  const rebalanceTimeout = settings.rebalanceTimeout ?? 30_000;
  const subscription = encodeSubscription(topics);
  let memberId = '';
  let generationId = -1;

  const forgetOn = (error: unknown): void => {
    const type = kafkaErrorType(error);
    if (type === undefined || COORDINATOR_MOVED.has(type)) calls.forgetCoordinator();
    if (type === 'UNKNOWN_MEMBER_ID') memberId = '';
  };
  const rejoin = (error: unknown): boolean => {
    const type = kafkaErrorType(error);
    return type !== undefined && REJOIN.has(type);
  };

  const joinOnce = async (assign: KafkaGroupAssignor): Promise<KafkaTopicPartition[]> => {
    const joined = await calls.join(memberId, sessionTimeout, rebalanceTimeout, subscription);
    memberId = joined.memberId;
    generationId = joined.generationId;
    let assignments: Array<{ memberId: string; assignment: Buffer }> = [];
    if (joined.leaderId === joined.memberId) {
      const members = joined.members.map((m) => ({
        memberId: m.memberId,
        topics: decodeSubscription(m.metadata),
      }));
      const assignment = await assign(members);
      assignments = members.map((m) => ({
        memberId: m.memberId,
        assignment: encodeAssignment(assignment.get(m.memberId) ?? []),
      }));
    }
    return decodeAssignment(await calls.sync(generationId, memberId, assignments));
  };

  return {
    async join(assign) {
      // A join that meets another rebalance (a member joining at the same moment) starts over.
      for (let attempt = 1; ; attempt++) {
        try {
          return await joinOnce(assign);
        } catch (error) {
          forgetOn(error);
          if (attempt >= ATTEMPTS || !(rejoin(error) || isRetriableKafkaError(error))) throw error;
          await backoff(attempt);
        }
      }
    },
    async heartbeat() {
      try {
        await calls.heartbeat(generationId, memberId);
        return 'stable';
      } catch (error) {
        forgetOn(error);
        if (rejoin(error)) return 'rebalance';
        throw error;
      }
    },
    async commit(offsets) {
      if (offsets.length === 0) return;
      // With `subscribe` the group's offsets are where the next owner of a partition resumes: a
      // coordinator that moved or is still loading the group must not lose a commit.
      for (let attempt = 1; ; attempt++) {
        try {
          await calls.commit(generationId, memberId, offsets);
          return;
        } catch (error) {
          forgetOn(error);
          if (attempt >= ATTEMPTS || rejoin(error) || !isRetriableKafkaError(error)) throw error;
          await backoff(attempt);
        }
      }
    },
    async leave() {
      if (memberId === '') return;
      const id = memberId;
      memberId = '';
      await calls.leave(id).catch(() => undefined);
    },
  };
}
