/**
 * The Bus port: what every Pulse component needs from a partitioned log.
 * Two adapters implement it: Apache Kafka (src/bus/kafka/) and the embedded
 * in-process log (src/bus/embedded/). Semantics are Kafka's, so code written
 * against the embedded log behaves the same on a real cluster.
 */

export type Headers = Record<string, string>;

export interface OutgoingRecord {
  topic: string;
  /** Same key → same partition (murmur2, as Kafka's default partitioner). */
  key?: string | undefined;
  /** null is a tombstone: on a compacted topic it removes the key's earlier values. */
  value: Buffer | string | null;
  headers?: Headers | undefined;
  /** Explicit partition; overrides the key's choice. */
  partition?: number | undefined;
}

export interface ProducedRecord {
  topic: string;
  partition: number;
  offset: number;
}

export interface BusRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  /** Empty for a tombstone. */
  value: Buffer;
  headers: Headers;
  /** Append time in epoch milliseconds. */
  timestamp: number;
  /** Set when the record was produced with a null value (a deletion on a compacted topic). */
  tombstone?: boolean | undefined;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Replication factor; the embedded log ignores it. */
  replicas?: number | undefined;
  /** Extra topic configs, e.g. { 'cleanup.policy': 'compact', 'retention.ms': '604800000' }. */
  config?: Record<string, string> | undefined;
}

export interface PartitionInfo {
  partition: number;
  /** Offset of the next record to be written (Kafka's high watermark). */
  endOffset: number;
  /** Offset of the oldest record still retained. */
  startOffset: number;
}

export interface TopicInfo {
  name: string;
  partitions: PartitionInfo[];
}

export interface PartitionLag {
  topic: string;
  partition: number;
  committed: number | null;
  endOffset: number;
  lag: number;
}

export interface SubscribeOptions {
  group: string;
  topics: string[];
  /** Where a group with no committed offset starts: 'earliest' (default) or 'latest'. */
  from?: 'earliest' | 'latest' | undefined;
}

/**
 * A member of a consumer group. Records are pulled in batches; offsets are
 * committed explicitly, so a batch that was not committed is delivered again
 * to the next member that owns its partition (after a restart or rebalance).
 */
export interface Subscription {
  /** Up to `max` records, waiting at most `waitMs` for the first one. */
  poll(max: number, waitMs: number): Promise<BusRecord[]>;
  /** Commit the position after each given record (offset + 1), per partition. */
  commit(records: readonly BusRecord[]): Promise<void>;
  /** Leave the group; uncommitted records will be redelivered to another member. */
  close(): Promise<void>;
}

export interface Bus {
  readonly kind: 'kafka' | 'embedded';
  /** Resolves only when every record is durably acknowledged (Kafka: acks=all). */
  produce(records: readonly OutgoingRecord[]): Promise<ProducedRecord[]>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Creates missing topics; existing topics are left as they are. */
  ensureTopics(specs: readonly TopicSpec[]): Promise<void>;
  listTopics(): Promise<TopicInfo[]>;
  groupLag(group: string, topics: readonly string[]): Promise<PartitionLag[]>;
  /** Forgets a group's committed offsets; its next member starts from `from`. The group must have no members. */
  deleteGroup(group: string): Promise<void>;
  /** Cheap reachability check for /ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/*
 * The cluster view and its operator actions, for the dashboard's Kafka page. A port of its own beside
 * the Bus (which stays what the pipeline needs); src/runtime/adapters.ts builds it for either bus.
 */

export interface BrokerInfo {
  id: number;
  host: string;
  port: number;
  controller: boolean;
  /** Partitions (of every topic, internal ones included) this broker leads. */
  partitionsLed: number;
}

export interface ClusterInfo {
  /** The controller's broker id; null when the cluster reports none. */
  controllerId: number | null;
  brokers: BrokerInfo[];
}

export interface PartitionReplicas extends PartitionInfo {
  /** Broker id of the leader; -1 while the partition has none (offline). */
  leader: number;
  replicas: number[];
  /** In-sync replicas. */
  isr: number[];
}

export interface TopicDescription {
  name: string;
  /** A topic of the bus itself (Kafka's `__consumer_offsets`, …). */
  internal: boolean;
  partitions: PartitionReplicas[];
  /** The topic's effective configuration (defaults included), e.g. `retention.ms`, `cleanup.policy`. */
  config: Record<string, string>;
  /** Bytes on disk of one copy of the topic (the leaders' logs); null when the bus does not say. */
  sizeBytes: number | null;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
}

export interface GroupListing {
  group: string;
  /** Kafka's group state: `Stable`, `Empty`, `PreparingRebalance`, `CompletingRebalance`, `Dead`, … */
  state: string;
}

export interface GroupMemberInfo {
  id: string;
  clientId: string;
  host: string;
  assignments: Array<{ topic: string; partitions: number[] }>;
}

export interface GroupDescription {
  group: string;
  state: string;
  members: GroupMemberInfo[];
}

export interface GroupCommittedOffsets {
  group: string;
  /** Every partition the group has a committed position on. */
  offsets: TopicPartitionOffset[];
}

/** Where a reset moves a group: the oldest retained record, the end, or the first record at/after a time (epoch ms). */
export type OffsetResetTarget = { to: 'earliest' } | { to: 'latest' } | { to: 'timestamp'; timestamp: number };

export interface ClusterAdmin {
  readonly kind: 'kafka' | 'embedded';
  describeCluster(): Promise<ClusterInfo>;
  /** Every topic's name, internal ones flagged (cheap: no offsets, no configs). */
  topicNames(): Promise<Array<{ name: string; internal: boolean }>>;
  /**
   * The named topics (all when omitted), sorted by name; names that do not exist are left out.
   * `configKeys` limits `config` to those keys (the topic list needs two, the detail view all).
   */
  describeTopics(names?: readonly string[], options?: { configKeys?: readonly string[] | undefined }): Promise<TopicDescription[]>;
  /** Oldest and next offsets per partition of the named topics (cheaper than describeTopics); unknown names are left out. */
  partitionOffsets(names: readonly string[]): Promise<TopicInfo[]>;
  /** Every group the bus knows (members and committed offsets come from describeGroups and committedOffsets), sorted by name. */
  listGroups(): Promise<GroupListing[]>;
  /** Groups that do not exist are described as `Dead` with no members. */
  describeGroups(groups: readonly string[]): Promise<GroupDescription[]>;
  committedOffsets(groups: readonly string[]): Promise<GroupCommittedOffsets[]>;
  /**
   * Moves a group's committed positions on `topics` (default: the topics it has committed on) and
   * returns them. Refused with BUS_GROUP_ACTIVE while the group has members.
   */
  resetGroupOffsets(group: string, target: OffsetResetTarget, topics?: readonly string[]): Promise<TopicPartitionOffset[]>;
  /**
   * Records of one partition from `fromOffset` on (the oldest retained one if that is older), in offset
   * order, without any consumer group. At most `maxRecords`; fewer when a size limit is reached, but at
   * least one whenever a record exists at or after `fromOffset`.
   */
  read(topic: string, partition: number, fromOffset: number, maxRecords: number): Promise<BusRecord[]>;
  /** Per partition, the first offset whose record is at or after `timestamp` (epoch ms); the end offset when none is. */
  offsetsForTimestamp(topic: string, timestamp: number): Promise<TopicPartitionOffset[]>;
  close(): Promise<void>;
}
