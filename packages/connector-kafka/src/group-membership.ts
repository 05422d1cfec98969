import type { KafkaClient, KafkaGroupMemberClient, KafkaTopicPartition } from './kafka-client.js';
import { roundRobinAssignment } from './group-assignor.js';

export interface GroupMembershipOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly sessionTimeout?: number;
  readonly rebalanceTimeout?: number;
  readonly heartbeatInterval?: number;
  /**
   * A rebalance started: resolve once every batch planned so far is completed and its offsets are
   * committed (or `deadline` passed), so the next owner of a partition resumes exactly after it.
   */
  readonly drain: (deadline: number) => Promise<void>;
  /** The new assignment, before reading resumes; `added` are partitions this member did not own. */
  readonly assigned: (
    all: readonly KafkaTopicPartition[],
    added: readonly KafkaTopicPartition[],
  ) => Promise<void>;
  readonly log: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
}

const key = (tp: KafkaTopicPartition): string => `${tp.topic}\u0000${tp.partition}`;

/**
 * A direct stream's membership in its consumer group (Spark's ConsumerStrategies.Subscribe): the
 * group splits the partitions among the job's instances. On a rebalance the member stops planning,
 * drains what it planned, and only then rejoins; the partitions it gains resume from the offset store.
 */
export class GroupMembership {
  private member: KafkaGroupMemberClient | undefined;
  private owned: KafkaTopicPartition[] = [];
  private joining = true;
  private stopped = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly heartbeatInterval: number;
  private readonly rebalanceTimeout: number;

  constructor(private readonly options: GroupMembershipOptions) {
    this.heartbeatInterval = options.heartbeatInterval ?? 1000;
    this.rebalanceTimeout = options.rebalanceTimeout ?? 30_000;
  }

  /** True while a rebalance is under way: plan nothing new. */
  get rebalancing(): boolean {
    return this.joining;
  }

  /** The partitions this member owns in the current generation. */
  partitions(): readonly KafkaTopicPartition[] {
    return this.owned;
  }

  /** Whether new ranges of this partition may be planned (owned, and no rebalance under way). */
  owns(topic: string, partition: number): boolean {
    return !this.joining && this.holds(topic, partition);
  }

  /** Whether the partition is in this member's last assignment (still true while it drains). */
  holds(topic: string, partition: number): boolean {
    return this.owned.some((tp) => tp.topic === topic && tp.partition === partition);
  }

  /** Joins the group (first assignment applied), then heartbeats in the background. */
  async start(client: KafkaClient): Promise<void> {
    this.member = client.groupMember(this.options.groupId, this.options.topics, {
      ...(this.options.sessionTimeout === undefined ? {} : { sessionTimeout: this.options.sessionTimeout }),
      rebalanceTimeout: this.rebalanceTimeout,
      heartbeatInterval: this.heartbeatInterval,
    });
    await this.join(client);
    this.loop = this.heartbeats(client);
  }

  /** Commits offsets as a member of the current generation. */
  async commit(offsets: Parameters<KafkaGroupMemberClient['commit']>[0]): Promise<void> {
    await this.member?.commit(offsets);
  }

  /** Leaves the group so that the other instances take over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await this.member?.leave();
  }

  private async join(client: KafkaClient): Promise<void> {
    const member = this.member!;
    const before = new Set(this.owned.map(key));
    const all = await member.join(async (members) => {
      const partitionsByTopic = new Map<string, number[]>();
      for (const topic of new Set(members.flatMap((m) => m.topics))) {
        partitionsByTopic.set(
          topic,
          (await client.partitions(topic, true)).map((p) => p.partition),
        );
      }
      return roundRobinAssignment(members, partitionsByTopic);
    });
    const added = all.filter((tp) => !before.has(key(tp)));
    await this.options.assigned(all, added);
    this.owned = all;
    this.joining = false;
    this.options.log(
      'info',
      `directStream: group '${this.options.groupId}' assigned ${all.length} partitions`,
      {
        partitions: all.map((tp) => `${tp.topic}/${tp.partition}`),
      },
    );
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async heartbeats(client: KafkaClient): Promise<void> {
    const member = this.member!;
    let failures = 0;
    while (!this.stopped) {
      await this.sleep(this.heartbeatInterval);
      if (this.stopped) return;
      try {
        if (!this.joining && (await member.heartbeat()) === 'stable') {
          failures = 0;
          continue;
        }
        await this.rebalance(client, member);
        failures = 0;
      } catch (error) {
        // The coordinator moved or a broker died: try again next interval (the session outlasts a few).
        if (++failures === 1 || failures % 10 === 0) {
          this.options.log('warn', `directStream: group '${this.options.groupId}' heartbeat or join failed`, {
            error: String(error),
            failures,
          });
        }
      }
    }
  }

  private async rebalance(client: KafkaClient, member: KafkaGroupMemberClient): Promise<void> {
    if (!this.joining) {
      this.joining = true;
      this.options.log(
        'info',
        `directStream: group '${this.options.groupId}' rebalancing; draining planned batches`,
      );
      // Keep the session alive while the batches in flight finish.
      let draining = true;
      const keepAlive = (async () => {
        while (draining && !this.stopped) {
          await new Promise((resolve) => setTimeout(resolve, this.heartbeatInterval));
          if (draining) await member.heartbeat().catch(() => undefined);
        }
      })();
      try {
        await this.options.drain(Date.now() + Math.floor(this.rebalanceTimeout * 0.8));
      } finally {
        draining = false;
        await keepAlive;
      }
    }
    if (this.stopped) return;
    await this.join(client);
  }
}
