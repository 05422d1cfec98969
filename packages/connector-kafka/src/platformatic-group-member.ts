import type { KafkaGroupMemberClient, KafkaGroupMemberSettings } from './kafka-client.js';
import { kafkaErrorType } from './kafka-errors.js';
import { DIRECT_STREAM_PROTOCOL, type JoinedGroup, groupMember } from './group-member-protocol.js';
import type { PlatformaticConnection, PlatformaticModule } from './platformatic-api.js';

export interface PlatformaticGroupMemberSettings {
  readonly lib: PlatformaticModule;
  /** A connection to the group's coordinator; `fresh` looks the coordinator up again. */
  readonly coordinator: (groupId: string, fresh: boolean) => Promise<PlatformaticConnection>;
}

/**
 * A direct stream's group member over @platformatic/kafka's raw group APIs (`groupMember` speaks
 * the protocol), at versions that Kafka 3.x, 4.x and the testkit all serve.
 */
export function platformaticGroupMember(
  settings: PlatformaticGroupMemberSettings,
  groupId: string,
  topics: readonly string[],
  options: KafkaGroupMemberSettings = {},
): KafkaGroupMemberClient {
  const { lib } = settings;
  let fresh = false;
  const coordinator = async (): Promise<PlatformaticConnection> => {
    const c = await settings.coordinator(groupId, fresh);
    fresh = false;
    return c;
  };
  const joinGroup = async (
    memberId: string,
    sessionTimeout: number,
    rebalanceTimeout: number,
    subscription: Buffer,
  ): Promise<JoinedGroup> => {
    const joined = await lib.joinGroupV5.api.async(
      await coordinator(),
      groupId,
      sessionTimeout,
      rebalanceTimeout,
      memberId,
      null,
      'consumer',
      [{ name: DIRECT_STREAM_PROTOCOL, metadata: subscription }],
      null,
    );
    return {
      memberId: joined.memberId,
      generationId: joined.generationId,
      leaderId: joined.leader,
      members: joined.members,
    };
  };
  return groupMember(
    {
      async join(memberId, sessionTimeout, rebalanceTimeout, subscription) {
        try {
          return await joinGroup(memberId, sessionTimeout, rebalanceTimeout, subscription);
        } catch (error) {
          // Since JoinGroup v4 a new member is first told its id (MEMBER_ID_REQUIRED) and joins again with it.
          const given = (error as { response?: { memberId?: string } }).response?.memberId;
          if (kafkaErrorType(error) !== 'MEMBER_ID_REQUIRED' || given === undefined || given === '')
            throw error;
          return joinGroup(given, sessionTimeout, rebalanceTimeout, subscription);
        }
      },
      async sync(generationId, memberId, assignments) {
        const synced = await lib.syncGroupV3.api.async(
          await coordinator(),
          groupId,
          generationId,
          memberId,
          null,
          'consumer',
          DIRECT_STREAM_PROTOCOL,
          [...assignments],
        );
        return synced.assignment;
      },
      async heartbeat(generationId, memberId) {
        await lib.heartbeatV3.api.async(await coordinator(), groupId, generationId, memberId, null);
      },
      async commit(generationId, memberId, offsets) {
        const byTopic = new Map<string, typeof offsets>();
        for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o]);
        await lib.offsetCommitV7.api.async(
          await coordinator(),
          groupId,
          generationId,
          memberId,
          null,
          [...byTopic].map(([name, os]) => ({
            name,
            partitions: os.map((o) => ({
              partitionIndex: o.partition,
              committedOffset: BigInt(o.offset),
              committedLeaderEpoch: -1,
              committedMetadata: null,
            })),
          })),
        );
      },
      async leave(memberId) {
        await lib.leaveGroupV3.api.async(await coordinator(), groupId, [{ memberId }]);
      },
      forgetCoordinator: () => {
        fresh = true;
      },
    },
    topics,
    options,
  );
}
