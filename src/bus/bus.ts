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
