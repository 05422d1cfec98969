import type { KafkaGroupMemberClient, KafkaGroupMemberSettings } from './kafka-client.js';
import { DIRECT_STREAM_PROTOCOL, groupMember } from './group-member-protocol.js';
import type { InternalBroker, InternalCluster } from './kafkajs-internals.js';
import { byTopic } from './kafkajs-producer.js';

/**
 * A direct stream's group member over kafkajs' coordinator connection (`groupMember` speaks the
 * protocol; kafkajs' broker object carries the requests and answers MEMBER_ID_REQUIRED itself).
 */
export function kafkajsGroupMember(
  getCluster: () => Promise<InternalCluster>,
  groupId: string,
  topics: readonly string[],
  settings: KafkaGroupMemberSettings = {},
): KafkaGroupMemberClient {
  let coordinator: InternalBroker | undefined;
  const broker = async (): Promise<InternalBroker> => {
    coordinator ??= await (await getCluster()).findGroupCoordinator({ groupId });
    return coordinator;
  };
  return groupMember(
    {
      async join(memberId, sessionTimeout, rebalanceTimeout, subscription) {
        const joined = await (await broker()).joinGroup({
          groupId,
          sessionTimeout,
          rebalanceTimeout,
          memberId,
          groupProtocols: [{ name: DIRECT_STREAM_PROTOCOL, metadata: subscription }],
        });
        return {
          memberId: joined.memberId,
          generationId: joined.generationId,
          leaderId: joined.leaderId,
          members: joined.members.map((m) => ({ memberId: m.memberId, metadata: m.memberMetadata })),
        };
      },
      async sync(generationId, memberId, assignments) {
        const synced = await (await broker()).syncGroup({
          groupId,
          generationId,
          memberId,
          groupAssignment: assignments.map((a) => ({ memberId: a.memberId, memberAssignment: a.assignment })),
        });
        return synced.memberAssignment;
      },
      async heartbeat(generationId, memberId) {
        await (await broker()).heartbeat({ groupId, groupGenerationId: generationId, memberId });
      },
      async commit(generationId, memberId, offsets) {
        await (await broker()).offsetCommit({
          groupId,
          groupGenerationId: generationId,
          memberId,
          topics: byTopic(offsets),
        });
      },
      async leave(memberId) {
        await coordinator?.leaveGroup({ groupId, memberId });
      },
      forgetCoordinator: () => {
        coordinator = undefined;
      },
    },
    topics,
    settings,
  );
}
