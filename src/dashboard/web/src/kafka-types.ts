/**
 * The Kafka API's answers as the dashboard reads them (`/api/kafka/*`). The
 * browser build cannot import the server's modules, so it keeps this copy;
 * test/unit/dashboard/kafka-wire-types.test.ts fails to compile on a drift.
 */

export type BusKind = 'kafka' | 'embedded';

export interface KafkaBroker {
  id: number;
  host: string;
  port: number;
  controller: boolean;
  partitionsLed: number;
}

export interface KafkaOverview {
  kind: BusKind;
  controllerId: number | null;
  brokers: KafkaBroker[];
}

export interface KafkaTopicRow {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** In-sync replicas summed over the partitions (a healthy topic: partitions × replication factor). */
  inSyncReplicas: number;
  /** Partitions with fewer in-sync replicas than replicas. */
  underReplicated: number;
  records: number;
  sizeBytes: number | null;
  retentionMs: string | null;
  cleanupPolicy: string;
}

export interface KafkaTopicList {
  topics: KafkaTopicRow[];
}

export interface KafkaPartition {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
  startOffset: number;
  endOffset: number;
}

export interface KafkaTopicDetail {
  name: string;
  config: Record<string, string>;
  partitions: KafkaPartition[];
}

export interface KafkaGroupRow {
  group: string;
  state: string;
  members: number;
  topics: string[];
  totalLag: number | null;
}

export interface KafkaGroupList {
  groups: KafkaGroupRow[];
  /** The server pages long lists: the next page's cursor, null at the end. */
  nextCursor?: string | null;
}

export interface KafkaGroupMember {
  id: string;
  clientId: string;
  host: string;
  assignments: { topic: string; partitions: number[] }[];
}

export interface KafkaPartitionLag {
  topic: string;
  partition: number;
  committed: number | null;
  endOffset: number;
  lag: number;
}

export interface KafkaLagPoint {
  /** ISO 8601 (epoch milliseconds are read too). */
  ts: string | number;
  /** null: the group had committed nothing then. */
  totalLag: number | null;
}

export interface KafkaGroupDetail {
  group: string;
  state: string;
  members: KafkaGroupMember[];
  lag: KafkaPartitionLag[];
  totalLag: number | null;
  history: KafkaLagPoint[];
}

export type ResetTarget = 'earliest' | 'latest' | 'timestamp';

export interface KafkaResetRequest {
  to: ResetTarget;
  /** ISO 8601, with `to: 'timestamp'`. */
  timestamp?: string;
  /** Only these topics of the group; all of them when absent. */
  topics?: string[];
}

export interface KafkaResetAnswer {
  group: string;
  offsets: { topic: string; partition: number; offset: number }[];
}

export interface KafkaMessage {
  partition: number;
  offset: number;
  /** ISO 8601 (epoch milliseconds are read too). */
  timestamp: string | number;
  key: string | null;
  headers: Record<string, string>;
  /** The value parsed as JSON when it is JSON, else its text; null is a tombstone. */
  value: unknown;
  size: number;
}

export interface KafkaMessagePage {
  messages: KafkaMessage[];
  nextCursor: string | null;
  scanned: number;
}

export interface KafkaProduceRequest {
  key?: string;
  /** Written as it is (JSON is text too). */
  value: string;
  headers?: Record<string, string>;
  partition?: number;
}

export interface KafkaProduceAnswer {
  partition: number;
  offset: number;
}

/** Every error answer of the API (src/http/error-handler.ts). */
export interface KafkaErrorBody {
  error: string;
  message: string;
}
