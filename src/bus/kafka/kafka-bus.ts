import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { Admin, Producer, ProduceAcks } from '@platformatic/kafka';
import { PulseError, errorCodes } from '../../shared/errors.ts';
import type { Bus, OutgoingRecord, PartitionLag, ProducedRecord, TopicInfo, TopicSpec } from '../bus.ts';
import { busError, hasKafkaError } from './kafka-errors.ts';
import { toKafkaMessages } from './kafka-messages.ts';
import { createProduceCoalescer } from './produce-coalescer.ts';
import { subscribeKafka } from './kafka-subscription.ts';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  /** TLS options (CA, client certificate); absent: plaintext. */
  tls?: TlsOptions | undefined;
  /** SASL credentials; absent: no authentication. */
  sasl?: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string } | undefined;
  /** How long a topic's partition count is trusted before it is read again, so added partitions are used (default 30 s). */
  partitionsMaxAgeMs?: number;
  /** Per-request timeout of the client; ingest adds its own deadline on top. */
  requestTimeoutMs?: number;
}

const LATEST = -1n;
const EARLIEST = -2n;
const TOPIC_LISTED_WITHIN_MS = 15_000;

/** The Bus port on Apache Kafka: acks=all, idempotent producer, murmur2 keys as the Java client. */
export function createKafkaBus(options: KafkaBusOptions): Bus {
  const base = {
    bootstrapBrokers: options.brokers,
    timeout: options.requestTimeoutMs ?? 10_000,
    retries: 3,
    retryDelay: 250,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
  };
  const producer = new Producer({ ...base, clientId: `${options.clientId}-producer`, idempotent: true, acks: ProduceAcks.ALL });
  const admin = new Admin({ ...base, clientId: `${options.clientId}-admin` });
  const partitionCounts = new Map<string, { count: number; at: number }>();
  const partitionsMaxAge = options.partitionsMaxAgeMs ?? 30_000;
  const roundRobin = new Map<string, number>();
  let closed = false;

  const partitionsOf = async (topic: string): Promise<number> => {
    const known = partitionCounts.get(topic);
    if (known !== undefined && Date.now() - known.at < partitionsMaxAge) return known.count;
    let metadata;
    try {
      // Asked through the producer, so its own view of the partitions (it routes by it) is refreshed too.
      metadata = await producer.metadata({ topics: [topic], forceUpdate: known !== undefined });
    } catch (error) {
      // A refresh that fails keeps the count known so far: producing must not stop for it.
      if (known !== undefined) return known.count;
      throw busError(error, `metadata of topic "${topic}"`);
    }
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    if (count === 0) throw new PulseError(errorCodes.BUS_UNKNOWN_TOPIC, `topic "${topic}" does not exist`);
    partitionCounts.set(topic, { count, at: Date.now() });
    return count;
  };

  const sendBatch = async (records: OutgoingRecord[]): Promise<ProducedRecord[]> => {
    const counts = new Map<string, number>();
    for (const topic of new Set(records.map((r) => r.topic))) counts.set(topic, await partitionsOf(topic));
    const messages = toKafkaMessages(records, (topic) => counts.get(topic) ?? 1, roundRobin);
    const result = await producer.send({ messages }).catch((error: unknown) => {
      throw busError(error, 'produce');
    });
    const baseOffsets = new Map((result.offsets ?? []).map((o) => [`${o.topic}:${o.partition}`, Number(o.offset)]));
    const seen = new Map<string, number>();
    return messages.map(({ topic, partition }) => {
      const slot = `${topic}:${partition}`;
      const index = seen.get(slot) ?? 0;
      seen.set(slot, index + 1);
      return { topic, partition, offset: (baseOffsets.get(slot) ?? -1) + index };
    });
  };

  // Kept under the broker's default message.max.bytes (1 MiB), which bounds each partition's batch.
  const coalescer = createProduceCoalescer(sendBatch, { maxRecords: 5000, maxBytes: 900_000, maxInFlight: 4 });

  const endOffsets = async (topicNames: readonly string[], at: bigint): Promise<Map<string, number>> => {
    const metadata = await admin.metadata({ topics: [...topicNames] });
    const listed = await admin.listOffsets({
      topics: topicNames.map((name) => ({
        name,
        partitions: Array.from({ length: metadata.topics.get(name)?.partitionsCount ?? 0 }, (_, partitionIndex) => ({
          partitionIndex,
          timestamp: at,
        })),
      })),
    });
    return new Map<string, number>(
      listed.flatMap((t) => t.partitions.map((p) => [`${t.name}:${p.partitionIndex}`, Number(p.offset)] as const)),
    );
  };

  /**
   * The controller answers CreateTopics before the brokers' metadata lists the topic, so a caller
   * that lists or produces right after could miss it; ensured topics are waited for (bounded).
   */
  const untilListed = async (names: readonly string[]): Promise<void> => {
    const deadline = Date.now() + TOPIC_LISTED_WITHIN_MS;
    let missing = names;
    for (let pause = 25; missing.length > 0; pause = Math.min(pause * 2, 500)) {
      const listed = new Set(await admin.listTopics());
      missing = missing.filter((name) => !listed.has(name));
      if (missing.length === 0) return;
      if (Date.now() > deadline) {
        throw new PulseError(
          errorCodes.BUS_UNAVAILABLE,
          `topics created but not listed by the brokers within ${TOPIC_LISTED_WITHIN_MS / 1000} s: ${missing.join(', ')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  };

  /** Admin calls fail with Pulse's codes, as produce does. */
  const adminCall =
    <A extends unknown[], R>(what: string, work: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await work(...args);
      } catch (error) {
        throw busError(error, what);
      }
    };

  return {
    kind: 'kafka',
    async produce(records) {
      if (closed) throw new PulseError(errorCodes.BUS_CLOSED, 'the bus is closed');
      if (records.length === 0) return [];
      return coalescer.produce(records);
    },
    subscribe: (subscribeOptions) =>
      subscribeKafka(
        { ...base, clientId: `${options.clientId}-consumer`, partitionCheckMs: Math.max(1000, partitionsMaxAge) },
        subscribeOptions,
      ),
    ensureTopics: adminCall('create topics', async (specs: readonly TopicSpec[]) => {
      const existing = new Set(await admin.listTopics());
      for (const spec of specs.filter((s) => !existing.has(s.name))) {
        try {
          await admin.createTopics({
            topics: [spec.name],
            partitions: spec.partitions,
            replicas: spec.replicas ?? 1,
            configs: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
          });
        } catch (error) {
          // Another process created it between list and create (several starting at once); the broker
          // says so before every broker's metadata lists it, so the answer is trusted first.
          if (hasKafkaError(error, 'TOPIC_ALREADY_EXISTS')) continue;
          if (!(await admin.listTopics()).includes(spec.name)) throw error;
        }
      }
      await untilListed(specs.map((s) => s.name).filter((name) => !existing.has(name)));
    }),
    listTopics: adminCall('list topics', async (): Promise<TopicInfo[]> => {
      let names = (await admin.listTopics()).sort();
      if (names.length === 0) return [];
      // A topic deleted (or created) between the listing of names and the reading of offsets fails
      // that read: when the names changed meanwhile, read again with the new ones (at most 3 times).
      const offsetsOf = async (attempt: number): Promise<[Map<string, number>, Map<string, number>]> => {
        try {
          return await Promise.all([endOffsets(names, LATEST), endOffsets(names, EARLIEST)]);
        } catch (error) {
          const now = (await admin.listTopics()).sort();
          if (attempt >= 3 || now.join('\n') === names.join('\n')) throw error;
          names = now;
          if (names.length === 0) return [new Map(), new Map()];
          return offsetsOf(attempt + 1);
        }
      };
      const [ends, starts] = await offsetsOf(1);
      if (names.length === 0) return [];
      return names.map((name) => {
        const partitions = [...ends.keys()].filter((k) => k.startsWith(`${name}:`) && !k.slice(name.length + 1).includes(':'));
        return {
          name,
          partitions: partitions
            .map((slot) => ({
              partition: Number(slot.slice(name.length + 1)),
              endOffset: ends.get(slot) ?? 0,
              startOffset: starts.get(slot) ?? 0,
            }))
            .sort((a, b) => a.partition - b.partition),
        };
      });
    }),
    groupLag: adminCall('consumer group lag', async (group: string, topicNames: readonly string[]): Promise<PartitionLag[]> => {
      const [ends, committed] = await Promise.all([endOffsets(topicNames, LATEST), admin.listConsumerGroupOffsets({ groups: [group] })]);
      const committedBySlot = new Map<string, number>(
        committed.flatMap((g) =>
          g.topics.flatMap((t) => t.partitions.map((p) => [`${t.name}:${p.partitionIndex}`, Number(p.committedOffset)] as const)),
        ),
      );
      return [...ends.entries()].map(([slot, endOffset]) => {
        const at = slot.lastIndexOf(':');
        const c = committedBySlot.get(slot);
        const committedOffset = c === undefined || c < 0 ? null : c;
        return {
          topic: slot.slice(0, at),
          partition: Number(slot.slice(at + 1)),
          committed: committedOffset,
          endOffset,
          lag: endOffset - (committedOffset ?? 0),
        };
      });
    }),
    async deleteGroup(group) {
      await admin.deleteGroups({ groups: [group] }).catch((error: unknown) => {
        // A group that never committed does not exist on the broker: nothing to forget.
        if (!hasKafkaError(error, 'GROUP_ID_NOT_FOUND')) throw busError(error, `delete group "${group}"`);
      });
    },
    ping: adminCall('ping', async () => {
      await admin.metadata({ topics: [], forceUpdate: true });
    }),
    async close() {
      closed = true;
      coalescer.clear(new PulseError(errorCodes.BUS_CLOSED, 'the bus is closed'));
      await Promise.allSettled([producer.close(), admin.close()]);
    },
  };
}
