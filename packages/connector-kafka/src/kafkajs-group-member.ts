import kafkajs from 'kafkajs';
import type {
  KafkaGroupAssignor,
  KafkaGroupMemberClient,
  KafkaGroupMemberSettings,
  KafkaGroupOffset,
  KafkaTopicPartition,
} from './kafka-client.js';
import { isRetriableKafkaError, kafkaErrorType } from './kafka-errors.js';
import type { InternalBroker, InternalCluster } from './kafkajs-internals.js';
import { byTopic } from './kafkajs-producer.js';

const { AssignerProtocol } = kafkajs;

/** Our assignment protocol's name: every member of a direct stream's group speaks it. */
export const DIRECT_STREAM_PROTOCOL = 'dstream-direct';

/** Errors after which the member must join again rather than retry the same call. */
const REJOIN = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);
// kafkajs' names for NOT_COORDINATOR and COORDINATOR_NOT_AVAILABLE.
const COORDINATOR_MOVED = new Set(['NOT_COORDINATOR_FOR_GROUP', 'GROUP_COORDINATOR_NOT_AVAILABLE']);

/**
 * A group member over kafkajs' coordinator connection, speaking JoinGroup/SyncGroup/Heartbeat itself:
 * kafkajs' consumer rejoins on its own as soon as a rebalance starts, but a direct stream must first
 * finish the batches it has planned (and commit them) before it gives its partitions up.
 */
export function kafkajsGroupMember(
  getCluster: () => Promise<InternalCluster>,
  groupId: string,
  topics: readonly string[],
  settings: KafkaGroupMemberSettings = {},
): KafkaGroupMemberClient {
  const sessionTimeout = settings.sessionTimeout ?? 10_000;
  const rebalanceTimeout = settings.rebalanceTimeout ?? 30_000;
  let memberId = '';
  let generationId = -1;
  let coordinator: InternalBroker | undefined;

  const coordinatorBroker = async (): Promise<InternalBroker> => {
    coordinator ??= await (await getCluster()).findGroupCoordinator({ groupId });
    return coordinator;
  };
  // A coordinator that moved or died is looked up again on the next call.
  const forgetCoordinatorOn = (error: unknown): void => {
    const type = kafkaErrorType(error);
    if (type === undefined || COORDINATOR_MOVED.has(type)) coordinator = undefined;
    if (type === 'UNKNOWN_MEMBER_ID') memberId = '';
  };

  const metadata = AssignerProtocol.MemberMetadata.encode({
    version: 0,
    topics: [...topics],
    userData: Buffer.alloc(0),
  });

  const joinOnce = async (assign: KafkaGroupAssignor): Promise<KafkaTopicPartition[]> => {
    const broker = await coordinatorBroker();
    const joined = await broker.joinGroup({
      groupId,
      sessionTimeout,
      rebalanceTimeout,
      memberId,
      groupProtocols: [{ name: DIRECT_STREAM_PROTOCOL, metadata }],
    });
    memberId = joined.memberId;
    generationId = joined.generationId;
    let groupAssignment: Array<{ memberId: string; memberAssignment: Buffer }> = [];
    if (joined.leaderId === joined.memberId) {
      const members = joined.members.map((m) => ({
        memberId: m.memberId,
        topics: AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics ?? [],
      }));
      const assignment = await assign(members);
      groupAssignment = members.map((m) => {
        const mine: Record<string, number[]> = {};
        for (const tp of assignment.get(m.memberId) ?? []) (mine[tp.topic] ??= []).push(tp.partition);
        return {
          memberId: m.memberId,
          memberAssignment: AssignerProtocol.MemberAssignment.encode({
            version: 0,
            assignment: mine,
            userData: Buffer.alloc(0),
          }),
        };
      });
    }
    const synced = await broker.syncGroup({ groupId, generationId, memberId, groupAssignment });
    const decoded = AssignerProtocol.MemberAssignment.decode(synced.memberAssignment);
    const out: KafkaTopicPartition[] = [];
    for (const [topic, partitions] of Object.entries(decoded?.assignment ?? {})) {
      for (const partition of partitions) out.push({ topic, partition });
    }
    return out.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  };

  return {
    async join(assign) {
      // A join that meets another rebalance (a member joining at the same moment) starts over.
      for (let attempt = 1; ; attempt++) {
        try {
          return await joinOnce(assign);
        } catch (error) {
          forgetCoordinatorOn(error);
          const type = kafkaErrorType(error);
          const again = (type !== undefined && REJOIN.has(type)) || isRetriableKafkaError(error);
          if (attempt >= 20 || !again) throw error;
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
        }
      }
    },
    async heartbeat() {
      try {
        await (await coordinatorBroker()).heartbeat({ groupId, groupGenerationId: generationId, memberId });
        return 'stable';
      } catch (error) {
        forgetCoordinatorOn(error);
        const type = kafkaErrorType(error);
        if (type !== undefined && REJOIN.has(type)) return 'rebalance';
        throw error;
      }
    },
    async commit(offsets: readonly KafkaGroupOffset[]) {
      if (offsets.length === 0) return;
      // With `subscribe` the group's offsets are where the next owner of a partition resumes: a
      // coordinator that moved or is still loading the group must not lose a commit.
      for (let attempt = 1; ; attempt++) {
        try {
          await (await coordinatorBroker()).offsetCommit({
            groupId,
            groupGenerationId: generationId,
            memberId,
            topics: byTopic(offsets),
          });
          return;
        } catch (error) {
          forgetCoordinatorOn(error);
          const type = kafkaErrorType(error);
          if (attempt >= 20 || (type !== undefined && REJOIN.has(type)) || !isRetriableKafkaError(error)) {
            throw error;
          }
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
        }
      }
    },
    async leave() {
      if (memberId === '' || coordinator === undefined) return;
      const id = memberId;
      memberId = '';
      await coordinator.leaveGroup({ groupId, memberId: id }).catch(() => undefined);
    },
  };
}
