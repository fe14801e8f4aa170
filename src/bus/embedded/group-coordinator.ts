import type { SubscribeOptions } from '../bus.ts';
import { EmbeddedBusError } from './errors.ts';
import { GroupMember } from './group-member.ts';
import type { MemberContext } from './group-member.ts';
import type { OffsetStore } from './offset-store.ts';
import type { ResolvedOptions } from './options.ts';
import type { PartitionLog } from './partition-log.ts';
import type { TopicRegistry } from './topic-registry.ts';

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface AssignableMember {
  readonly id: number;
  readonly topics: readonly string[];
}

/**
 * Kafka's RoundRobinAssignor: all subscribed partitions in a stable order, dealt to the members
 * in join order, skipping members not subscribed to that topic. Balanced to within one partition
 * per topic set, and deterministic, so the same membership always yields the same assignment.
 */
export function assignRoundRobin(
  members: readonly AssignableMember[],
  partitionCount: (topic: string) => number,
): Map<number, TopicPartition[]> {
  const assignment = new Map<number, TopicPartition[]>(members.map((member) => [member.id, []]));
  const topics = [...new Set(members.flatMap((member) => member.topics))].sort();
  let cursor = 0;
  for (const topic of topics) {
    for (let partition = 0; partition < partitionCount(topic); partition++) {
      for (let tries = 0; tries < members.length; tries++) {
        const member = members[cursor % members.length];
        cursor++;
        if (member?.topics.includes(topic)) {
          assignment.get(member.id)?.push({ topic, partition });
          break;
        }
      }
    }
  }
  return assignment;
}

/**
 * Consumer-group membership for one bus. Joining or leaving rebalances the group on the spot: in
 * one process there is no session timeout to wait for, so partitions move the moment a member
 * arrives or closes, and the new owner resumes from the group's committed offset.
 */
export class GroupCoordinator {
  private readonly registry: TopicRegistry;
  private readonly offsets: OffsetStore;
  private readonly options: ResolvedOptions;
  private readonly groups = new Map<string, GroupMember[]>();
  /**
   * Where 'latest' placed a partition that has no commit yet. Remembered so that records produced
   * after that point are not skipped when the partition moves to another member before the first
   * commit (Kafka would reset again and skip them).
   */
  private readonly latestResets = new Map<string, number>();
  private nextMemberId = 1;
  private closed = false;

  constructor(registry: TopicRegistry, offsets: OffsetStore, options: ResolvedOptions) {
    this.registry = registry;
    this.offsets = offsets;
    this.options = options;
  }

  hasMembers(group: string): boolean {
    return (this.groups.get(group)?.length ?? 0) > 0;
  }

  /** Groups with at least one member now. */
  activeGroups(): string[] {
    return [...this.groups.keys()];
  }

  /** The members of a group, in join order. */
  membersOf(group: string): readonly GroupMember[] {
    return this.groups.get(group) ?? [];
  }

  async join(options: SubscribeOptions): Promise<GroupMember> {
    if (typeof options.group !== 'string' || options.group === '') {
      throw new EmbeddedBusError('INVALID_OPTIONS', 'subscribe needs a non-empty group');
    }
    if (!Array.isArray(options.topics) || options.topics.length === 0) {
      throw new EmbeddedBusError('INVALID_OPTIONS', `group "${options.group}" must subscribe to at least one topic`);
    }
    for (const topic of options.topics) this.registry.require(topic);
    await this.offsets.load(options.group);
    if (this.closed) throw new EmbeddedBusError('BUS_CLOSED', 'embedded bus is closed');

    const member = new GroupMember(
      this.nextMemberId++,
      options.group,
      [...new Set(options.topics)],
      options.from ?? 'earliest',
      this.contextFor(),
    );
    const members = this.groups.get(options.group) ?? [];
    members.push(member);
    this.groups.set(options.group, members);
    this.rebalance(options.group);
    this.options.logger.info({ group: options.group, member: member.id, members: members.length }, 'embedded bus: member joined group');
    return member;
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    const members = [...this.groups.values()].flat();
    await Promise.all(members.map((member) => member.close()));
  }

  private leave(member: GroupMember): void {
    const members = this.groups.get(member.group);
    if (members === undefined) return;
    const remaining = members.filter((m) => m !== member);
    if (remaining.length === 0) this.groups.delete(member.group);
    else this.groups.set(member.group, remaining);
    this.rebalance(member.group);
  }

  private rebalance(group: string): void {
    const members = this.groups.get(group) ?? [];
    const assignment = assignRoundRobin(members, (topic) => this.registry.require(topic).partitions);
    for (const member of members) member.assign(assignment.get(member.id) ?? []);
  }

  private initialPosition(member: GroupMember, log: PartitionLog): number {
    const committed = this.offsets.committed(member.group, log.topic, log.partition);
    if (committed !== undefined) return committed;
    const resetKey = `${member.group}\u0000${log.topic}\u0000${log.partition}`;
    const reset = this.latestResets.get(resetKey);
    if (reset !== undefined) return reset;
    if (member.from === 'earliest') return log.startOffset;
    this.latestResets.set(resetKey, log.endOffset);
    return log.endOffset;
  }

  private contextFor(): MemberContext {
    return {
      logFor: (topic, partition) => {
        const log = this.registry.require(topic).logs[partition];
        if (log === undefined) throw new EmbeddedBusError('INVALID_PARTITION', `topic "${topic}" has no partition ${partition}`);
        return log;
      },
      initialPosition: (member, log) => this.initialPosition(member, log),
      commit: (group, updates) => this.offsets.commit(group, updates),
      leave: (member) => this.leave(member),
      maxPollBytes: this.options.maxPollBytes,
      logger: this.options.logger,
    };
  }
}
