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
import { DIRECT_STREAM_PROTOCOL } from './kafkajs-group-member.js';
import type { PlatformaticConnection, PlatformaticModule } from './platformatic-api.js';

/** Errors after which the member must join again rather than retry the same call. */
const REJOIN = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);
const COORDINATOR_MOVED = new Set(['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE']);

export interface PlatformaticGroupMemberSettings {
  readonly lib: PlatformaticModule;
  /** A connection to the group's coordinator; `fresh` looks the coordinator up again. */
  readonly coordinator: (groupId: string, fresh: boolean) => Promise<PlatformaticConnection>;
}

const backoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));

/**
 * A direct stream's group member over @platformatic/kafka's raw JoinGroup/SyncGroup/Heartbeat APIs:
 * like the kafkajs member, it rejoins only when the direct stream asks it to (after draining), and
 * speaks the same protocol name and consumer-protocol bytes, so members on either client share a group.
 */
export function platformaticGroupMember(
  settings: PlatformaticGroupMemberSettings,
  groupId: string,
  topics: readonly string[],
  options: KafkaGroupMemberSettings = {},
): KafkaGroupMemberClient {
  const { lib } = settings;
  const sessionTimeout = options.sessionTimeout ?? 10_000;
  const rebalanceTimeout = options.rebalanceTimeout ?? 30_000;
  const subscription = encodeSubscription(topics);
  let memberId = '';
  let generationId = -1;
  let fresh = false;

  const coordinator = async (): Promise<PlatformaticConnection> => {
    const c = await settings.coordinator(groupId, fresh);
    fresh = false;
    return c;
  };
  const forgetOn = (error: unknown): void => {
    const type = kafkaErrorType(error);
    if (type === undefined || COORDINATOR_MOVED.has(type)) fresh = true;
    if (type === 'UNKNOWN_MEMBER_ID') memberId = '';
  };

  const joinOnce = async (assign: KafkaGroupAssignor): Promise<KafkaTopicPartition[]> => {
    const connection = await coordinator();
    let joined: Awaited<ReturnType<PlatformaticModule['joinGroupV5']['api']['async']>>;
    try {
      joined = await lib.joinGroupV5.api.async(
        connection,
        groupId,
        sessionTimeout,
        rebalanceTimeout,
        memberId,
        null,
        'consumer',
        [{ name: DIRECT_STREAM_PROTOCOL, metadata: subscription }],
        null,
      );
    } catch (error) {
      // Since JoinGroup v4 a new member is first told its id (MEMBER_ID_REQUIRED) and joins again with it.
      const given = (error as { response?: { memberId?: string } }).response?.memberId;
      if (kafkaErrorType(error) === 'MEMBER_ID_REQUIRED' && given !== undefined && given !== '') {
        memberId = given;
      }
      throw error;
    }
    memberId = joined.memberId;
    generationId = joined.generationId;
    let assignments: Array<{ memberId: string; assignment: Buffer }> = [];
    if (joined.leader === joined.memberId) {
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
    const synced = await lib.syncGroupV3.api.async(
      connection,
      groupId,
      generationId,
      memberId,
      null,
      'consumer',
      DIRECT_STREAM_PROTOCOL,
      assignments,
    );
    return decodeAssignment(synced.assignment);
  };

  return {
    async join(assign) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await joinOnce(assign);
        } catch (error) {
          forgetOn(error);
          const type = kafkaErrorType(error);
          const again =
            type === 'MEMBER_ID_REQUIRED' ||
            (type !== undefined && REJOIN.has(type)) ||
            isRetriableKafkaError(error);
          if (attempt >= 20 || !again) throw error;
          if (type !== 'MEMBER_ID_REQUIRED') await backoff(attempt);
        }
      }
    },
    async heartbeat() {
      try {
        await lib.heartbeatV3.api.async(await coordinator(), groupId, generationId, memberId, null);
        return 'stable';
      } catch (error) {
        forgetOn(error);
        const type = kafkaErrorType(error);
        if (type !== undefined && REJOIN.has(type)) return 'rebalance';
        throw error;
      }
    },
    async commit(offsets: readonly KafkaGroupOffset[]) {
      if (offsets.length === 0) return;
      const byTopic = new Map<string, KafkaGroupOffset[]>();
      for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o]);
      const request = [...byTopic].map(([name, os]) => ({
        name,
        partitions: os.map((o) => ({
          partitionIndex: o.partition,
          committedOffset: BigInt(o.offset),
          committedLeaderEpoch: -1,
          committedMetadata: null,
        })),
      }));
      // The group's offsets are where the next owner of a partition resumes: a coordinator that
      // moved or is still loading the group must not lose a commit.
      for (let attempt = 1; ; attempt++) {
        try {
          await lib.offsetCommitV7.api.async(
            await coordinator(),
            groupId,
            generationId,
            memberId,
            null,
            request,
          );
          return;
        } catch (error) {
          forgetOn(error);
          const type = kafkaErrorType(error);
          if (attempt >= 20 || (type !== undefined && REJOIN.has(type)) || !isRetriableKafkaError(error)) {
            throw error;
          }
          await backoff(attempt);
        }
      }
    },
    async leave() {
      if (memberId === '') return;
      const id = memberId;
      memberId = '';
      await lib.leaveGroupV3.api
        .async(await coordinator(), groupId, [{ memberId: id }])
        .catch(() => undefined);
    },
  };
}
