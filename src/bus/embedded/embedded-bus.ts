import { mkdir } from 'node:fs/promises';
import type {
  Bus,
  ClusterAdmin,
  Headers,
  OutgoingRecord,
  PartitionLag,
  ProducedRecord,
  SubscribeOptions,
  Subscription,
  TopicInfo,
  TopicSpec,
} from '../bus.ts';
import { createPartitioner } from '../partitioner.ts';
import type { Partitioner } from '../partitioner.ts';
import { acquireDirLock } from './dir-lock.ts';
import { createEmbeddedClusterAdmin } from './embedded-admin.ts';
import type { EmbeddedBrokerAddress } from './embedded-admin.ts';
import type { DirLock } from './dir-lock.ts';
import { EmbeddedBusError } from './errors.ts';
import { GroupCoordinator } from './group-coordinator.ts';
import { OffsetStore } from './offset-store.ts';
import { resolveOptions } from './options.ts';
import type { EmbeddedBusOptions, ResolvedOptions } from './options.ts';
import type { NewRecord, PartitionLog } from './partition-log.ts';
import { TOMBSTONE_HEADER } from './record-codec.ts';
import { TopicRegistry } from './topic-registry.ts';

/** The embedded log as a Bus, plus its cluster view for the dashboard's Kafka page. */
export interface EmbeddedBusWithAdmin extends Bus {
  /** The ClusterAdmin port over this log; `broker` is where the process is reached (Pulse's HTTP address). */
  clusterAdmin(broker?: EmbeddedBrokerAddress): ClusterAdmin;
}

/**
 * Opens (or creates) the embedded log in `options.dir`: loads topics, recovers every partition
 * (cutting off a torn last write) and applies retention before returning.
 */
export async function createEmbeddedBus(options: EmbeddedBusOptions): Promise<EmbeddedBusWithAdmin> {
  const resolved = resolveOptions(options);
  await mkdir(resolved.dir, { recursive: true });
  const lock = await acquireDirLock(resolved.dir);
  try {
    const registry = await TopicRegistry.open(resolved);
    await registry.enforceRetention();
    return new EmbeddedBus(resolved, lock, registry);
  } catch (err) {
    await lock.release();
    throw err;
  }
}

class EmbeddedBus implements EmbeddedBusWithAdmin {
  readonly kind = 'embedded' as const;
  private readonly options: ResolvedOptions;
  private readonly lock: DirLock;
  private readonly registry: TopicRegistry;
  private readonly offsets: OffsetStore;
  private readonly coordinator: GroupCoordinator;
  private readonly partitioner: Partitioner = createPartitioner();
  private readonly retentionTimer: NodeJS.Timeout;
  private closing: Promise<void> | null = null;

  constructor(options: ResolvedOptions, lock: DirLock, registry: TopicRegistry) {
    this.options = options;
    this.lock = lock;
    this.registry = registry;
    this.offsets = new OffsetStore(options.dir, options.fsync, options.logger);
    this.coordinator = new GroupCoordinator(registry, this.offsets, options);
    this.retentionTimer = setInterval(() => {
      this.registry.enforceRetention().catch((err: unknown) => this.options.logger.warn({ err }, 'embedded bus: retention check failed'));
    }, options.retentionCheckIntervalMs);
    this.retentionTimer.unref();
  }

  /**
   * Every record is validated and routed before anything is written, so a bad record fails the
   * whole call with nothing stored. Records for different partitions are written independently:
   * if one partition's disk write fails the call rejects while the others may be stored — a retry
   * then duplicates those, which the idempotent (event_id) consumers absorb, as with Kafka.
   */
  async produce(records: readonly OutgoingRecord[]): Promise<ProducedRecord[]> {
    this.assertOpen();
    const batches = new Map<PartitionLog, { indexes: number[]; records: NewRecord[] }>();
    records.forEach((record, index) => {
      const { log, entry } = this.route(record);
      let batch = batches.get(log);
      if (batch === undefined) {
        batch = { indexes: [], records: [] };
        batches.set(log, batch);
      }
      batch.indexes.push(index);
      batch.records.push(entry);
    });

    const produced: ProducedRecord[] = new Array<ProducedRecord>(records.length);
    await Promise.all(
      [...batches].map(async ([log, batch]) => {
        const firstOffset = await log.append(batch.records);
        batch.indexes.forEach((index, i) => {
          produced[index] = { topic: log.topic, partition: log.partition, offset: firstOffset + i };
        });
      }),
    );
    return produced;
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertOpen();
    return this.coordinator.join(options);
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    this.assertOpen();
    await this.registry.ensure(specs);
  }

  async listTopics(): Promise<TopicInfo[]> {
    this.assertOpen();
    return this.registry.list().map((topic) => ({
      name: topic.name,
      partitions: topic.logs.map((log) => ({ partition: log.partition, startOffset: log.startOffset, endOffset: log.endOffset })),
    }));
  }

  /** Lag counts from the committed offset, or from the oldest retained record when none exists. */
  async groupLag(group: string, topics: readonly string[]): Promise<PartitionLag[]> {
    this.assertOpen();
    const resolved = topics.map((name) => this.registry.require(name));
    await this.offsets.load(group);
    return resolved.flatMap((topic) =>
      topic.logs.map((log) => {
        const committed = this.offsets.committed(group, log.topic, log.partition) ?? null;
        const endOffset = log.endOffset;
        return {
          topic: log.topic,
          partition: log.partition,
          committed,
          endOffset,
          lag: Math.max(0, endOffset - (committed ?? log.startOffset)),
        };
      }),
    );
  }

  async deleteGroup(group: string): Promise<void> {
    this.assertOpen();
    if (this.coordinator.hasMembers(group)) {
      throw new EmbeddedBusError('GROUP_ACTIVE', `group "${group}" still has members; stop them before deleting it`);
    }
    await this.offsets.delete(group);
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  clusterAdmin(broker: EmbeddedBrokerAddress = { host: '127.0.0.1', port: 0 }): ClusterAdmin {
    return createEmbeddedClusterAdmin({
      registry: this.registry,
      offsets: this.offsets,
      coordinator: this.coordinator,
      options: this.options,
      broker,
      assertOpen: () => this.assertOpen(),
    });
  }

  /** Ends subscriptions, writes everything already accepted, then releases the directory. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.retentionTimer);
      await this.coordinator.closeAll();
      await this.registry.close();
      await this.offsets.close();
      await this.lock.release();
    })();
    return this.closing;
  }

  private assertOpen(): void {
    if (this.closing !== null) throw new EmbeddedBusError('BUS_CLOSED', 'embedded bus is closed');
  }

  private route(record: OutgoingRecord): { log: PartitionLog; entry: NewRecord } {
    const topic = this.registry.require(record.topic);
    const key = record.key ?? null;
    if (key !== null && typeof key !== 'string') {
      throw new EmbeddedBusError('INVALID_RECORD', `record for topic "${record.topic}": key must be a string`);
    }
    let value: Buffer;
    if (record.value === null) value = Buffer.alloc(0);
    else if (typeof record.value === 'string') value = Buffer.from(record.value, 'utf8');
    // Copied: the caller may reuse its buffer as soon as produce() returns a promise.
    else if (Buffer.isBuffer(record.value)) value = Buffer.from(record.value);
    else throw new EmbeddedBusError('INVALID_RECORD', `record for topic "${record.topic}": value must be a Buffer or string`);
    const given = validHeaders(record.topic, record.headers);
    // The frame has no null value; a reserved header marks a tombstone on disk and is removed on read.
    const headers = record.value === null ? { ...given, [TOMBSTONE_HEADER]: '1' } : given;

    const size = value.length + (key === null ? 0 : Buffer.byteLength(key)) + headersBytes(headers);
    if (size > this.options.maxRecordBytes) {
      throw new EmbeddedBusError(
        'RECORD_TOO_LARGE',
        `record for topic "${record.topic}" is ${size} bytes, limit is ${this.options.maxRecordBytes}`,
      );
    }

    let partition = record.partition;
    if (partition === undefined) {
      partition = this.partitioner.choose(topic.name, key, topic.partitions);
    } else if (!Number.isInteger(partition) || partition < 0 || partition >= topic.partitions) {
      throw new EmbeddedBusError('INVALID_PARTITION', `topic "${topic.name}" has partitions 0–${topic.partitions - 1}, got ${partition}`);
    }
    const log = topic.logs[partition];
    if (log === undefined) throw new EmbeddedBusError('INVALID_PARTITION', `topic "${topic.name}" has no partition ${partition}`);
    return { log, entry: { key, headers, value } };
  }
}

function validHeaders(topic: string, headers: Headers | undefined): Headers {
  if (headers === undefined) return {};
  if (typeof headers !== 'object' || headers === null) {
    throw new EmbeddedBusError('INVALID_RECORD', `record for topic "${topic}": headers must be an object of strings`);
  }
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') {
      throw new EmbeddedBusError('INVALID_RECORD', `record for topic "${topic}": header "${name}" must be a string`);
    }
  }
  return { ...headers };
}

function headersBytes(headers: Headers): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(headers)) bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  return bytes;
}
