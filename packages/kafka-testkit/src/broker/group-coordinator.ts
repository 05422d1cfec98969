import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../protocol/error-codes.js';
import type { ClusterState } from './cluster-state.js';
import {
  type CommittedOffset,
  Group,
  type JoinRequest,
  type JoinResult,
  type Member,
  offsetKey,
  type SyncResult,
  sameProtocols,
  selectProtocol,
} from './group.js';

const EMPTY = Buffer.alloc(0);

/** Kafka's classic consumer-group protocol: one state machine per group, driven by join/sync/heartbeat. */
export class GroupCoordinator {
  readonly groups = new Map<string, Group>();

  constructor(private readonly cluster: ClusterState) {}

  close(): void {
    for (const group of this.groups.values()) clearTimeout(group.rebalanceTimer);
  }

  getOrCreate(groupId: string): Group {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new Group(groupId);
      this.groups.set(groupId, group);
    }
    return group;
  }

  join(request: JoinRequest): Promise<JoinResult> {
    const fail = (errorCode: number, memberId = request.memberId) =>
      Promise.resolve({ errorCode, generationId: -1, protocolName: null, leader: '', memberId, members: [] });
    const { options } = this.cluster;
    if (request.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    if (
      request.sessionTimeoutMs < options.groupMinSessionTimeoutMs ||
      request.sessionTimeoutMs > options.groupMaxSessionTimeoutMs
    ) {
      return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    const group = this.getOrCreate(request.groupId);
    if (group.members.size > 0) {
      const shared = request.protocols.some((p) =>
        [...group.members.values()].every((m) => m.protocols.some((q) => q.name === p.name)),
      );
      if (request.protocolType !== group.protocolType || !shared)
        return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    const now = Date.now();
    if (request.memberId === '') {
      const memberId = `${request.clientId}-${randomUUID()}`;
      if (request.requireKnownMemberId) {
        group.pendingMembers.set(memberId, now + request.sessionTimeoutMs);
        return fail(ErrorCode.MEMBER_ID_REQUIRED, memberId);
      }
      return this.addMemberAndRebalance(group, request, memberId);
    }
    const member = group.members.get(request.memberId);
    if (!member) {
      if (!group.pendingMembers.delete(request.memberId)) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
      return this.addMemberAndRebalance(group, request, request.memberId);
    }
    const changed = !sameProtocols(member.protocols, request.protocols);
    member.protocols = request.protocols;
    member.sessionTimeoutMs = request.sessionTimeoutMs;
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    member.lastSeen = now;
    const parked = new Promise<JoinResult>((resolve) => {
      member.joinWaiter = resolve;
    });
    if (group.state === 'PreparingRebalance') {
      this.maybeCompleteJoin(group);
      return parked;
    }
    if (
      (group.state === 'CompletingRebalance' && !changed) ||
      (group.state === 'Stable' && !changed && group.leader !== member.memberId)
    ) {
      member.joinWaiter = undefined;
      return Promise.resolve(this.joinResult(group, member));
    }
    this.prepareRebalance(group);
    this.maybeCompleteJoin(group);
    return parked;
  }

  sync(groupId: string, generationId: number, memberId: string, assignments: Map<string, Buffer>) {
    const fail = (errorCode: number): Promise<SyncResult> =>
      Promise.resolve({ errorCode, assignment: EMPTY });
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (generationId !== group.generationId) return fail(ErrorCode.ILLEGAL_GENERATION);
    member.lastSeen = Date.now();
    if (group.state === 'PreparingRebalance') return fail(ErrorCode.REBALANCE_IN_PROGRESS);
    if (group.state === 'Stable')
      return Promise.resolve({ errorCode: ErrorCode.NONE, assignment: member.assignment });
    if (group.state !== 'CompletingRebalance') return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    const parked = new Promise<SyncResult>((resolve) => {
      member.syncWaiter = resolve;
    });
    if (memberId === group.leader) {
      for (const each of group.members.values()) each.assignment = assignments.get(each.memberId) ?? EMPTY;
      group.state = 'Stable';
      for (const each of group.members.values()) {
        each.syncWaiter?.({ errorCode: ErrorCode.NONE, assignment: each.assignment });
        each.syncWaiter = undefined;
      }
    }
    return parked;
  }

  heartbeat(groupId: string, generationId: number, memberId: string): number {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    member.lastSeen = Date.now();
    if (group.state === 'PreparingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  leave(groupId: string, memberId: string): number {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.removeMember(group, member);
    return ErrorCode.NONE;
  }

  /** Offset commit validation of a classic group (generation -1 with no members is an admin/simple commit). */
  validateCommit(groupId: string, generationId: number, memberId: string): number {
    const group = this.groups.get(groupId);
    if (!group || group.state === 'Empty') {
      return generationId < 0 ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
    }
    // Kafka's order: membership, then generation, then the rebalance state.
    const member = group.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    member.lastSeen = Date.now();
    return ErrorCode.NONE;
  }

  commit(groupId: string, topic: string, partition: number, offset: CommittedOffset): void {
    this.getOrCreate(groupId).offsets.set(offsetKey(topic, partition), offset);
  }

  forgetTopic(topic: string): void {
    const prefix = offsetKey(topic, 0).slice(0, -1);
    for (const group of this.groups.values()) {
      for (const key of [...group.offsets.keys()]) if (key.startsWith(prefix)) group.offsets.delete(key);
    }
  }

  deleteGroup(groupId: string): number {
    const group = this.groups.get(groupId);
    if (!group || group.state === 'Dead') return ErrorCode.GROUP_ID_NOT_FOUND;
    if (group.state !== 'Empty') return ErrorCode.NON_EMPTY_GROUP;
    group.state = 'Dead';
    this.groups.delete(groupId);
    return ErrorCode.NONE;
  }

  /** Session-timeout eviction and expiry of unclaimed member ids. */
  sweep(now: number): void {
    for (const group of this.groups.values()) {
      for (const [memberId, expiry] of group.pendingMembers) {
        if (expiry < now) group.pendingMembers.delete(memberId);
      }
      for (const member of [...group.members.values()]) {
        if (member.joinWaiter) continue;
        if (now - member.lastSeen > member.sessionTimeoutMs) this.removeMember(group, member);
      }
      if (group.state === 'PreparingRebalance') this.maybeCompleteJoin(group);
    }
  }

  private addMemberAndRebalance(group: Group, request: JoinRequest, memberId: string): Promise<JoinResult> {
    const member: Member = {
      memberId,
      groupInstanceId: request.groupInstanceId,
      clientId: request.clientId,
      clientHost: request.clientHost,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
      protocols: request.protocols,
      assignment: EMPTY,
      lastSeen: Date.now(),
    };
    const parked = new Promise<JoinResult>((resolve) => {
      member.joinWaiter = resolve;
    });
    if (group.members.size === 0) group.protocolType = request.protocolType;
    group.members.set(memberId, member);
    this.prepareRebalance(group);
    this.maybeCompleteJoin(group);
    return parked;
  }

  private removeMember(group: Group, member: Member): void {
    group.members.delete(member.memberId);
    const gone = { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY };
    member.joinWaiter?.({
      ...gone,
      generationId: -1,
      protocolName: null,
      leader: '',
      memberId: member.memberId,
      members: [],
    });
    member.syncWaiter?.(gone);
    if (group.leader === member.memberId) group.leader = null;
    if (group.state === 'Stable' || group.state === 'CompletingRebalance') this.prepareRebalance(group);
    if (group.state === 'PreparingRebalance') this.maybeCompleteJoin(group);
  }

  private prepareRebalance(group: Group): void {
    if (group.state === 'PreparingRebalance') return;
    if (group.state === 'CompletingRebalance') {
      for (const member of group.members.values()) {
        member.syncWaiter?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
        member.syncWaiter = undefined;
      }
    }
    group.state = 'PreparingRebalance';
    let timeout = 0;
    for (const member of group.members.values()) timeout = Math.max(timeout, member.rebalanceTimeoutMs);
    clearTimeout(group.rebalanceTimer);
    group.rebalanceTimer = setTimeout(() => this.completeJoin(group), timeout);
    group.rebalanceTimer.unref();
  }

  private maybeCompleteJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance' || group.pendingMembers.size > 0) return;
    for (const member of group.members.values()) if (!member.joinWaiter) return;
    this.completeJoin(group);
  }

  private completeJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance') return;
    clearTimeout(group.rebalanceTimer);
    for (const member of [...group.members.values()]) {
      if (!member.joinWaiter) group.members.delete(member.memberId);
    }
    group.generationId++;
    if (group.members.size === 0) {
      group.state = 'Empty';
      group.protocolName = null;
      group.leader = null;
      return;
    }
    group.protocolName = selectProtocol([...group.members.values()]);
    if (!group.leader || !group.members.has(group.leader)) group.leader = group.members.keys().next().value!;
    group.state = 'CompletingRebalance';
    const now = Date.now();
    for (const member of group.members.values()) {
      const waiter = member.joinWaiter!;
      member.joinWaiter = undefined;
      member.lastSeen = now;
      waiter(this.joinResult(group, member));
    }
  }

  private joinResult(group: Group, member: Member): JoinResult {
    const isLeader = member.memberId === group.leader;
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolName: group.protocolName,
      leader: group.leader ?? '',
      memberId: member.memberId,
      members: isLeader
        ? [...group.members.values()].map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            metadata: m.protocols.find((p) => p.name === group.protocolName)?.metadata ?? EMPTY,
          }))
        : [],
    };
  }
}
