import type {
  BusRecord,
  ClusterAdmin,
  ClusterInfo,
  GroupCommittedOffsets,
  GroupDescription,
  GroupListing,
  GroupMemberInfo,
  OffsetResetTarget,
  TopicDescription,
  TopicInfo,
  TopicPartitionOffset,
} from '../bus.ts';
import { EmbeddedBusError } from './errors.ts';
import type { GroupCoordinator } from './group-coordinator.ts';
import type { OffsetStore } from './offset-store.ts';
import type { ResolvedOptions } from './options.ts';
import type { PartitionLog } from './partition-log.ts';
import { splitTombstone } from './record-codec.ts';
import { retentionFor } from './topic-registry.ts';
import type { Topic, TopicRegistry } from './topic-registry.ts';

/** The one "broker" of an embedded log: the process itself, reached through Pulse's HTTP port. */
export interface EmbeddedBrokerAddress {
  host: string;
  port: number;
}

export interface EmbeddedAdminDeps {
  registry: TopicRegistry;
  offsets: OffsetStore;
  coordinator: GroupCoordinator;
  options: ResolvedOptions;
  broker: EmbeddedBrokerAddress;
  /** Throws once the bus is closed. */
  assertOpen(): void;
}

const BROKER_ID = 0;

/**
 * The cluster view of the embedded log, with Kafka's semantics where they apply: one broker (id 0,
 * the controller) leading every partition, replication factor 1, ISR [0]. Reads go straight to a
 * partition's log (segment index or in-memory tail), so reading near the end of a long partition
 * never scans it from the start.
 */
export function createEmbeddedClusterAdmin(deps: EmbeddedAdminDeps): ClusterAdmin {
  const { registry, offsets, coordinator, options } = deps;

  const logOf = (topic: string, partition: number): PartitionLog => {
    const log = registry.require(topic).logs[partition];
    if (log === undefined) throw new EmbeddedBusError('INVALID_PARTITION', `topic "${topic}" has no partition ${partition}`);
    return log;
  };

  const effectiveConfig = (topic: Topic): Record<string, string> => {
    const retention = retentionFor(topic.config, options);
    return {
      'cleanup.policy': 'delete',
      'max.message.bytes': String(options.maxRecordBytes),
      'segment.bytes': String(options.segmentBytes),
      ...topic.config,
      // What the log really keeps (a compacted topic is kept whole: this log does not compact).
      'retention.ms': Number.isFinite(retention.maxAgeMs) ? String(retention.maxAgeMs) : '-1',
    };
  };

  const offsetsOf = (topic: Topic): TopicInfo => ({
    name: topic.name,
    partitions: topic.logs.map((log) => ({ partition: log.partition, startOffset: log.startOffset, endOffset: log.endOffset })),
  });

  const existing = (names: readonly string[] | undefined): Topic[] =>
    names === undefined ? registry.list() : names.flatMap((name) => registry.get(name) ?? []);

  const read = async (topic: string, partition: number, fromOffset: number, maxRecords: number): Promise<BusRecord[]> => {
    deps.assertOpen();
    const log = logOf(topic, partition);
    if (maxRecords < 1) return [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const from = Math.max(fromOffset, log.startOffset);
      const stored = await log.read(from, maxRecords, options.maxPollBytes);
      // Empty while records exist only when retention deleted the segment under the read: try again.
      if (stored.length > 0 || from >= log.endOffset) {
        return stored.map((record) => {
          const { headers, tombstone } = splitTombstone(record.headers);
          return {
            topic,
            partition,
            offset: record.offset,
            key: record.key,
            value: Buffer.from(record.value),
            headers,
            timestamp: record.timestamp,
            ...(tombstone ? { tombstone } : {}),
          };
        });
      }
    }
    return [];
  };

  /** Binary search over the log: append times only grow, so the first record at/after `timestamp` is found in ~log2(n) reads. */
  const offsetForTimestamp = async (log: PartitionLog, timestamp: number): Promise<number> => {
    let low = log.startOffset;
    let high = log.endOffset;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      const [record] = await log.read(middle, 1, 1);
      if (record === undefined) {
        // Retention moved the start past `middle`: search what is left.
        low = Math.max(low, log.startOffset, middle + 1);
        continue;
      }
      if (record.timestamp >= timestamp) high = record.offset;
      else low = record.offset + 1;
    }
    return low;
  };

  const groupState = (group: string, known: boolean): string => {
    if (coordinator.hasMembers(group)) return 'Stable';
    return known ? 'Empty' : 'Dead';
  };

  const membersOf = (group: string): GroupMemberInfo[] =>
    coordinator.membersOf(group).map((member) => {
      const byTopic = new Map<string, number[]>();
      for (const { topic, partition } of member.assignment()) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
      return {
        id: `embedded-member-${member.id}`,
        clientId: 'pulse',
        host: deps.broker.host,
        assignments: [...byTopic].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) })),
      };
    });

  /** A group's committed offsets; groups never committed are not loaded (asking about any name must not grow memory). */
  const committedOf = async (group: string): Promise<TopicPartitionOffset[]> => {
    if (!(await offsets.exists(group))) return [];
    await offsets.load(group);
    return offsets.entries(group).sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  };

  return {
    kind: 'embedded',

    async describeCluster(): Promise<ClusterInfo> {
      deps.assertOpen();
      const partitionsLed = registry.list().reduce((sum, topic) => sum + topic.partitions, 0);
      return {
        controllerId: BROKER_ID,
        brokers: [{ id: BROKER_ID, host: deps.broker.host, port: deps.broker.port, controller: true, partitionsLed }],
      };
    },

    async topicNames() {
      deps.assertOpen();
      return registry.list().map((topic) => ({ name: topic.name, internal: topic.name.startsWith('__') }));
    },

    async describeTopics(names, describeOptions): Promise<TopicDescription[]> {
      deps.assertOpen();
      const keys = describeOptions?.configKeys;
      const configOf = (topic: Topic): Record<string, string> => {
        const config = effectiveConfig(topic);
        return keys === undefined ? config : Object.fromEntries(Object.entries(config).filter(([key]) => keys.includes(key)));
      };
      return [...existing(names)]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((topic) => ({
          name: topic.name,
          internal: topic.name.startsWith('__'),
          partitions: topic.logs.map((log) => ({
            partition: log.partition,
            leader: BROKER_ID,
            replicas: [BROKER_ID],
            isr: [BROKER_ID],
            startOffset: log.startOffset,
            endOffset: log.endOffset,
          })),
          config: configOf(topic),
          sizeBytes: topic.logs.reduce((sum, log) => sum + log.sizeBytes, 0),
        }));
    },

    async partitionOffsets(names): Promise<TopicInfo[]> {
      deps.assertOpen();
      return existing(names).map(offsetsOf);
    },

    async listGroups(): Promise<GroupListing[]> {
      deps.assertOpen();
      const known = new Set(await offsets.knownGroups());
      const names = new Set([...known, ...coordinator.activeGroups()]);
      return [...names].sort().map((group) => ({ group, state: groupState(group, known.has(group)) }));
    },

    async describeGroups(groups): Promise<GroupDescription[]> {
      deps.assertOpen();
      return Promise.all(
        groups.map(async (group) => ({ group, state: groupState(group, await offsets.exists(group)), members: membersOf(group) })),
      );
    },

    async committedOffsets(groups): Promise<GroupCommittedOffsets[]> {
      deps.assertOpen();
      return Promise.all(groups.map(async (group) => ({ group, offsets: await committedOf(group) })));
    },

    async resetGroupOffsets(group, target: OffsetResetTarget, topics): Promise<TopicPartitionOffset[]> {
      deps.assertOpen();
      const names = topics ?? [...new Set((await committedOf(group)).map((o) => o.topic))];
      const logs = names.flatMap((name) => registry.require(name).logs);
      const moved: TopicPartitionOffset[] = [];
      for (const log of logs) {
        let offset: number;
        if (target.to === 'earliest') offset = log.startOffset;
        else if (target.to === 'latest') offset = log.endOffset;
        else offset = await offsetForTimestamp(log, target.timestamp);
        moved.push({ topic: log.topic, partition: log.partition, offset });
      }
      if (moved.length > 0) await offsets.load(group);
      // Checked last, right before the commit (whose in-memory update follows at once), so a member that
      // joins while the offsets are computed is not overridden.
      if (coordinator.hasMembers(group)) {
        throw new EmbeddedBusError('GROUP_ACTIVE', `group "${group}" has members; stop them before resetting its offsets`);
      }
      if (moved.length > 0) await offsets.commit(group, moved);
      return moved;
    },

    read,

    async offsetsForTimestamp(topic, timestamp): Promise<TopicPartitionOffset[]> {
      deps.assertOpen();
      const logs = registry.require(topic).logs;
      return Promise.all(logs.map(async (log) => ({ topic, partition: log.partition, offset: await offsetForTimestamp(log, timestamp) })));
    },

    async close() {
      // The bus owns everything this reads.
    },
  };
}
