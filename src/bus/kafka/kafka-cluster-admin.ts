import { Admin, ConfigResourceTypes, Consumer } from '@platformatic/kafka';
import { PulseError, errorCodes } from '../../shared/errors.ts';
import type {
  BusRecord,
  ClusterAdmin,
  GroupCommittedOffsets,
  GroupDescription,
  GroupListing,
  OffsetResetTarget,
  TopicDescription,
  TopicInfo,
  TopicPartitionOffset,
} from '../bus.ts';
import type { KafkaBusOptions } from './kafka-bus.ts';
import {
  EARLIEST,
  LATEST,
  listOffsets,
  readClusterMetadata,
  slot,
  type ClusterMetadata,
  type OffsetQuery,
} from './kafka-cluster-metadata.ts';
import { busError, hasKafkaError } from './kafka-errors.ts';
import { createPartitionReader } from './kafka-partition-reader.ts';

/** The response a Kafka error carries when only part of a request failed, searched through the client's nested errors. */
function partialResponse<T>(error: unknown, depth = 0): T | undefined {
  if (typeof error !== 'object' || error === null || depth > 6) return undefined;
  const own = (error as { response?: T }).response;
  if (own !== undefined) return own;
  for (const inner of (error as { errors?: unknown[] }).errors ?? []) {
    const found = partialResponse<T>(inner, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** How long cluster metadata (leaders, topic ids) is reused between calls; a failed read refreshes it. */
const METADATA_MAX_AGE_MS = 5_000;
/** Groups per DescribeGroups / OffsetFetch request, and such requests in flight at once. */
const GROUP_CHUNK = 100;
const GROUP_CONCURRENCY = 4;

/** Kafka's answers when a commit from outside the group meets a group that has members. */
const GROUP_BUSY_ERRORS = ['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS'];

/**
 * The ClusterAdmin port on Apache Kafka: the admin API for the cluster, configs, groups and offsets,
 * and a consumer that never joins a group for reads from any offset (Fetch on the leader).
 */
export function createKafkaClusterAdmin(options: KafkaBusOptions): ClusterAdmin {
  const base = {
    bootstrapBrokers: options.brokers,
    timeout: options.requestTimeoutMs ?? 10_000,
    retries: 3,
    retryDelay: 250,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
  };
  const admin = new Admin({ ...base, clientId: `${options.clientId}-cluster-admin` });
  // The group id is required by the client; this consumer never joins (no subscribe, no commit).
  const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
    ...base,
    clientId: `${options.clientId}-browser`,
    groupId: `${options.clientId}-browser-never-joined`,
  });
  const reader = createPartitionReader(consumer);
  let cached: { at: number; metadata: Promise<ClusterMetadata> } | undefined;

  const cluster = (fresh = false): Promise<ClusterMetadata> => {
    if (fresh || cached === undefined || Date.now() - cached.at > METADATA_MAX_AGE_MS) {
      const metadata = readClusterMetadata(admin);
      cached = { at: Date.now(), metadata };
      metadata.catch(() => {
        if (cached?.metadata === metadata) cached = undefined;
      });
    }
    return cached.metadata;
  };

  /** The cached metadata, read again when it does not know one of `topics` (created since). */
  const clusterKnowing = async (topics: readonly string[]): Promise<ClusterMetadata> => {
    const metadata = await cluster();
    return topics.every((topic) => metadata.topics.has(topic)) ? metadata : cluster(true);
  };

  const call =
    <A extends unknown[], R>(what: string, work: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await work(...args);
      } catch (error) {
        throw busError(error, what);
      }
    };

  const requireTopic = (metadata: ClusterMetadata, topic: string) => {
    const found = metadata.topics.get(topic);
    if (found === undefined) throw new PulseError(errorCodes.BUS_UNKNOWN_TOPIC, `topic "${topic}" does not exist`);
    return found;
  };

  /** Oldest and next offsets of every partition of `names` (partitions without a leader: 0 and 0). */
  const offsetsOf = async (metadata: ClusterMetadata, names: readonly string[]): Promise<TopicInfo[]> => {
    const topics = names.flatMap((name) => metadata.topics.get(name) ?? []);
    const queries = (timestamp: bigint): OffsetQuery[] =>
      topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition, timestamp })));
    const [starts, ends] = await Promise.all([
      listOffsets(admin, metadata, queries(EARLIEST)),
      listOffsets(admin, metadata, queries(LATEST)),
    ]);
    return topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partition: p.partition,
        startOffset: Number(starts.get(slot(t.name, p.partition)) ?? 0n),
        endOffset: Number(ends.get(slot(t.name, p.partition)) ?? 0n),
      })),
    }));
  };

  const configsOf = async (names: readonly string[], keys: readonly string[] | undefined): Promise<Map<string, Record<string, string>>> => {
    const configs = new Map<string, Record<string, string>>();
    if (names.length === 0) return configs;
    type Described = Awaited<ReturnType<typeof admin.describeConfigs>>;
    let described: Described;
    try {
      described = await admin.describeConfigs({
        resources: names.map((name) => ({
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: name,
          ...(keys === undefined ? {} : { configurationKeys: [...keys] }),
        })),
      });
    } catch (error) {
      // Some topics failed (e.g. deleted since the metadata was read): keep the configs of the others.
      const partial = partialResponse<{ results?: Array<Described[number] & { errorCode: number }> }>(error)?.results;
      if (partial === undefined) throw error;
      described = partial.filter((result) => result.errorCode === 0);
    }
    for (const resource of described) {
      const config: Record<string, string> = {};
      for (const entry of resource.configs) {
        if (entry.value !== null && entry.value !== undefined && !entry.isSensitive) config[entry.name] = entry.value;
      }
      configs.set(resource.resourceName, config);
    }
    return configs;
  };

  /** Bytes of the leader replica of each partition, summed per topic; null when the brokers do not say (ACLs). */
  const sizesOf = async (metadata: ClusterMetadata, names: readonly string[]): Promise<Map<string, number> | null> => {
    const topics = names.flatMap((name) => metadata.topics.get(name) ?? []);
    if (topics.length === 0) return new Map();
    let dirs;
    try {
      dirs = await admin.describeLogDirs({
        topics: topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partition) })),
      });
    } catch {
      return null;
    }
    const replicaBytes = new Map<string, number>();
    for (const broker of dirs) {
      for (const dir of broker.results) {
        for (const topic of dir.topics) {
          for (const p of topic.partitions) {
            if (!p.isFutureKey) replicaBytes.set(`${broker.broker}:${slot(topic.name, p.partitionIndex)}`, Number(p.partitionSize));
          }
        }
      }
    }
    const sizes = new Map<string, number>();
    for (const topic of topics) {
      let bytes = 0;
      for (const p of topic.partitions) bytes += replicaBytes.get(`${p.leader}:${slot(topic.name, p.partition)}`) ?? 0;
      sizes.set(topic.name, bytes);
    }
    return sizes;
  };

  /** `work` over `items` in chunks, a bounded number at once, results in order. */
  const inChunks = async <T, R>(items: readonly T[], work: (chunk: T[]) => Promise<R[]>): Promise<R[]> => {
    const chunks: T[][] = [];
    for (let at = 0; at < items.length; at += GROUP_CHUNK) chunks.push(items.slice(at, at + GROUP_CHUNK));
    const results: R[][] = new Array<R[]>(chunks.length);
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < chunks.length) {
        const index = next++;
        results[index] = await work(chunks[index] ?? []);
      }
    };
    await Promise.all(Array.from({ length: Math.min(GROUP_CONCURRENCY, chunks.length) }, lane));
    return results.flat();
  };

  const describeGroups = async (groups: readonly string[]): Promise<GroupDescription[]> =>
    inChunks(groups, async (chunk) => {
      const described = await admin.describeGroups({ groups: chunk });
      return chunk.map((group) => {
        const found = described.get(group);
        if (found === undefined) return { group, state: 'Dead', members: [] };
        return {
          group,
          state: String(found.state),
          members: [...found.members.values()].map((member) => ({
            id: member.id,
            clientId: member.clientId,
            host: member.clientHost,
            assignments: [...(member.assignments?.values() ?? [])].map((a) => ({
              topic: a.topic,
              partitions: [...a.partitions].sort((x, y) => x - y),
            })),
          })),
        };
      });
    });

  const committedOffsets = async (groups: readonly string[]): Promise<GroupCommittedOffsets[]> =>
    inChunks(groups, async (chunk) => {
      const listed = await admin.listConsumerGroupOffsets({ groups: chunk });
      const byGroup = new Map(listed.map((g) => [g.groupId, g]));
      return chunk.map((group) => ({
        group,
        offsets: (byGroup.get(group)?.topics ?? [])
          .flatMap((t) =>
            t.partitions
              .filter((p) => p.committedOffset >= 0n)
              .map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: Number(p.committedOffset) })),
          )
          .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
      }));
    });

  /** Per partition, the first offset at/after `timestamp`; partitions with none get their end offset. */
  const offsetsAt = async (metadata: ClusterMetadata, topic: string, timestamp: bigint): Promise<TopicPartitionOffset[]> => {
    const partitions = requireTopic(metadata, topic).partitions;
    const found = await listOffsets(
      admin,
      metadata,
      partitions.map((p) => ({ topic, partition: p.partition, timestamp })),
    );
    const missing = partitions.filter((p) => (found.get(slot(topic, p.partition)) ?? -1n) < 0n);
    const ends =
      missing.length === 0 || timestamp === LATEST
        ? new Map<string, bigint>()
        : await listOffsets(
            admin,
            metadata,
            missing.map((p) => ({ topic, partition: p.partition, timestamp: LATEST })),
          );
    return partitions.map((p) => {
      const at = found.get(slot(topic, p.partition)) ?? -1n;
      return { topic, partition: p.partition, offset: Number(at >= 0n ? at : (ends.get(slot(topic, p.partition)) ?? 0n)) };
    });
  };

  const readOnce = async (metadata: ClusterMetadata, topic: string, partition: number, from: number, max: number): Promise<BusRecord[]> => {
    const described = requireTopic(metadata, topic);
    const info = described.partitions[partition];
    if (info === undefined) throw new PulseError(errorCodes.BAD_REQUEST, `topic "${topic}" has no partition ${partition}`);
    if (info.leader < 0) throw new PulseError(errorCodes.BUS_UNAVAILABLE, `partition ${partition} of "${topic}" has no leader now`);
    return reader.read({ leader: info.leader, topic, topicId: described.id, partition, offset: from, maxRecords: max });
  };

  return {
    kind: 'kafka',

    describeCluster: call('describe cluster', async () => {
      const metadata = await cluster(true);
      const led = new Map<number, number>();
      for (const topic of metadata.topics.values()) {
        for (const p of topic.partitions) if (p.leader >= 0) led.set(p.leader, (led.get(p.leader) ?? 0) + 1);
      }
      const controllerId = metadata.controllerId >= 0 ? metadata.controllerId : null;
      return {
        controllerId,
        brokers: [...metadata.brokers]
          .sort(([a], [b]) => a - b)
          .map(([id, broker]) => ({
            id,
            host: broker.host,
            port: broker.port,
            controller: id === controllerId,
            partitionsLed: led.get(id) ?? 0,
          })),
      };
    }),

    topicNames: call('list topics', async () =>
      [...(await cluster(true)).topics.values()].map((t) => ({ name: t.name, internal: t.internal })),
    ),

    describeTopics: call(
      'describe topics',
      async (names?: readonly string[], describeOptions?: { configKeys?: readonly string[] | undefined }): Promise<TopicDescription[]> => {
        const metadata = await cluster(true);
        const wanted = [...new Set(names ?? metadata.topics.keys())].filter((name) => metadata.topics.has(name)).sort();
        const [offsets, configs, sizes] = await Promise.all([
          offsetsOf(metadata, wanted),
          configsOf(wanted, describeOptions?.configKeys),
          sizesOf(metadata, wanted),
        ]);
        const offsetsByTopic = new Map(offsets.map((t) => [t.name, t.partitions]));
        return wanted.flatMap((name) => {
          const topic = metadata.topics.get(name);
          if (topic === undefined) return [];
          const positions = new Map((offsetsByTopic.get(name) ?? []).map((p) => [p.partition, p]));
          return [
            {
              name,
              internal: topic.internal,
              partitions: topic.partitions.map((p) => ({
                partition: p.partition,
                leader: p.leader,
                replicas: p.replicas,
                isr: p.isr,
                startOffset: positions.get(p.partition)?.startOffset ?? 0,
                endOffset: positions.get(p.partition)?.endOffset ?? 0,
              })),
              config: configs.get(name) ?? {},
              sizeBytes: sizes === null ? null : (sizes.get(name) ?? 0),
            },
          ];
        });
      },
    ),

    partitionOffsets: call('partition offsets', async (names: readonly string[]) => offsetsOf(await clusterKnowing(names), names)),

    listGroups: call('list groups', async (): Promise<GroupListing[]> => {
      const groups = await admin.listGroups();
      return [...groups.values()].map((g) => ({ group: g.id, state: String(g.state) })).sort((a, b) => a.group.localeCompare(b.group));
    }),

    describeGroups: call('describe groups', describeGroups),

    committedOffsets: call('committed offsets', committedOffsets),

    resetGroupOffsets: call('reset group offsets', async (group: string, target: OffsetResetTarget, topics?: readonly string[]) => {
      const [description] = await describeGroups([group]);
      const refuse = (): PulseError =>
        new PulseError(errorCodes.BUS_GROUP_ACTIVE, `group "${group}" has members; stop them before resetting its offsets`);
      if (description === undefined || description.members.length > 0) throw refuse();
      const names = topics ?? [...new Set(((await committedOffsets([group]))[0]?.offsets ?? []).map((o) => o.topic))];
      const metadata = await cluster(true);
      const moved: TopicPartitionOffset[] = [];
      for (const name of names) {
        if (target.to === 'timestamp') moved.push(...(await offsetsAt(metadata, name, BigInt(target.timestamp))));
        else {
          const [info] = await offsetsOf(metadata, [requireTopic(metadata, name).name]);
          for (const p of info?.partitions ?? []) {
            moved.push({ topic: name, partition: p.partition, offset: target.to === 'earliest' ? p.startOffset : p.endOffset });
          }
        }
      }
      if (moved.length === 0) return moved;
      const byTopic = new Map<string, Array<{ partition: number; offset: bigint }>>();
      for (const m of moved) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), { partition: m.partition, offset: BigInt(m.offset) }]);
      try {
        await admin.alterConsumerGroupOffsets({
          groupId: group,
          topics: [...byTopic].map(([name, partitionOffsets]) => ({ name, partitionOffsets })),
        });
      } catch (error) {
        // A member joined between the check and the commit: Kafka refuses commits from outside a live group.
        if (GROUP_BUSY_ERRORS.some((apiId) => hasKafkaError(error, apiId))) throw refuse();
        throw error;
      }
      return moved;
    }),

    read: call('read partition', async (topic: string, partition: number, fromOffset: number, maxRecords: number) => {
      if (maxRecords < 1) return [];
      let metadata = await clusterKnowing([topic]);
      for (let attempt = 0; ; attempt++) {
        try {
          return await readOnce(metadata, topic, partition, fromOffset, maxRecords);
        } catch (error) {
          if (attempt >= 1 || error instanceof PulseError) throw error;
          if (hasKafkaError(error, 'OFFSET_OUT_OF_RANGE')) {
            // Past the end: nothing to read. Older than the oldest retained record: read from that one.
            const [info] = await offsetsOf(metadata, [topic]);
            const range = info?.partitions[partition];
            if (range === undefined) throw error;
            if (fromOffset >= range.endOffset) return [];
            if (range.startOffset <= fromOffset) throw error;
            fromOffset = range.startOffset;
            continue;
          }
          // Leadership moved or the topic was recreated: read the metadata again once.
          metadata = await cluster(true);
        }
      }
    }),

    offsetsForTimestamp: call('offsets for timestamp', async (topic: string, timestamp: number) =>
      offsetsAt(await clusterKnowing([topic]), topic, BigInt(Math.max(0, Math.floor(timestamp)))),
    ),

    async close() {
      await Promise.allSettled([consumer.close(true), admin.close()]);
    },
  };
}
