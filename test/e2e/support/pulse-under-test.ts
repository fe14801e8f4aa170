import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bus, BusRecord, Subscription } from '../../../src/bus/bus.ts';
import { createKafkaBus } from '../../../src/bus/kafka/kafka-bus.ts';
import { endOffsets } from '../../helpers/read-topic.ts';
import { adminHeaders, freePort, kafkaBrokers, spawnPulse, waitForHealth, type PulseProcess } from '../../helpers/services.ts';

/** The topics the tracker's events land in. */
export const trackerTopics = ['user-activity', 'mouse-coordinates'] as const;

export interface ArrivedEvent {
  topic: string;
  key: string | null;
  value: Record<string, unknown>;
}

/** Reads what ingest wrote to the tracker's topics after the reader was opened. */
export interface EventReader {
  read(): Promise<ArrivedEvent[]>;
  close(): Promise<void>;
}

/**
 * A Pulse server run as a real process (`pulse start` with its own data dir,
 * or `pulse ingest` against the test stack's Kafka), which a test can stop
 * and start again on the same port and data.
 */
export interface PulseUnderTest {
  mode: 'embedded' | 'kafka';
  base: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  openReader(): Promise<EventReader>;
  close(): Promise<void>;
}

const parse = (record: BusRecord): ArrivedEvent => ({
  topic: record.topic,
  key: record.key,
  value: JSON.parse(record.value.toString('utf8')) as Record<string, unknown>,
});

async function serve(args: string[], env: Record<string, string>, base: string): Promise<PulseProcess> {
  const server = spawnPulse(args, env);
  try {
    await waitForHealth(base, server);
  } catch (error) {
    await server.stop(); // a server that never became healthy must not outlive the test
    throw error;
  }
  return server;
}

/** `pulse start`: the embedded log lives in the server process, so events are read through its tail API. */
export async function embeddedPulse(extraEnv: Record<string, string> = {}): Promise<PulseUnderTest> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pulse-e2e-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = { PULSE_PORT: String(port), PULSE_DATA_DIR: dataDir, PULSE_LOG_LEVEL: 'warn', ...extraEnv };
  let server: PulseProcess | undefined = await serve(['start'], env, base);

  const ends = async (): Promise<Map<string, { partition: number; start: number; end: number }[]>> => {
    const body = (await (await fetch(`${base}/api/topics`, { headers: adminHeaders })).json()) as {
      topics: { name: string; partitions: { partition: number; startOffset: number; endOffset: number }[] }[];
    };
    return new Map(
      body.topics.map((t) => [t.name, t.partitions.map((p) => ({ partition: p.partition, start: p.startOffset, end: p.endOffset }))]),
    );
  };

  return {
    mode: 'embedded',
    base,
    async start() {
      server ??= await serve(['start'], env, base);
    },
    async stop() {
      await server?.stop();
      server = undefined;
    },
    async openReader() {
      const since = new Map<string, Map<number, number>>();
      for (const [topic, partitions] of await ends()) since.set(topic, new Map(partitions.map((p) => [p.partition, p.end])));
      return {
        async read() {
          const events: ArrivedEvent[] = [];
          const now = await ends();
          for (const topic of trackerTopics) {
            const total = (now.get(topic) ?? []).reduce((sum, p) => sum + p.end - p.start, 0);
            if (total === 0) continue;
            const response = await fetch(`${base}/api/topics/${topic}/tail?from=earliest&limit=${total}`, {
              headers: adminHeaders,
              signal: AbortSignal.timeout(10_000),
            });
            const lines = (await response.text()).split('\n');
            for (const line of lines) {
              if (line === '') continue;
              const record = JSON.parse(line) as {
                topic: string;
                partition: number;
                offset: number;
                key: string | null;
                value: Record<string, unknown>;
              };
              if (record.offset >= (since.get(topic)?.get(record.partition) ?? 0))
                events.push({ topic: record.topic, key: record.key, value: record.value });
            }
          }
          return events;
        },
        async close() {},
      };
    },
    async close() {
      await server?.stop();
      server = undefined;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** `pulse ingest` producing to the stack's Kafka; events are read back from Kafka with a fresh consumer group. */
export async function kafkaPulse(extraEnv: Record<string, string> = {}): Promise<PulseUnderTest> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = { PULSE_PORT: String(port), PULSE_KAFKA_BROKERS: kafkaBrokers, PULSE_LOG_LEVEL: 'warn', ...extraEnv };
  let server: PulseProcess | undefined = await serve(['ingest'], env, base);
  const bus: Bus = createKafkaBus({ brokers: kafkaBrokers.split(','), clientId: 'pulse-e2e' });

  return {
    mode: 'kafka',
    base,
    async start() {
      server ??= await serve(['ingest'], env, base);
    },
    async stop() {
      await server?.stop();
      server = undefined;
    },
    async openReader() {
      const since = new Map<string, Map<number, number>>();
      for (const topic of trackerTopics) since.set(topic, await endOffsets(bus, topic));
      return {
        // Each read is a fresh consumer group that reads every partition up to its end offset at the
        // time of the call, so "nothing arrived" means nothing was written (not that a group was still
        // joining), and no subscription sits idle between reads.
        async read() {
          const targets = new Map<string, number>();
          for (const topic of trackerTopics) {
            for (const [partition, end] of await endOffsets(bus, topic)) {
              if (end > (since.get(topic)?.get(partition) ?? 0)) targets.set(`${topic}:${partition}`, end);
            }
          }
          const events: ArrivedEvent[] = [];
          if (targets.size === 0) return events;
          const group = `pulse-e2e-${randomUUID()}`;
          const subscription: Subscription = await bus.subscribe({
            group,
            topics: [...trackerTopics],
            from: 'earliest',
          });
          try {
            const deadline = Date.now() + 30_000;
            while (targets.size > 0) {
              if (Date.now() > deadline) throw new Error(`the test's Kafka reader did not reach ${JSON.stringify([...targets])}`);
              for (const record of await subscription.poll(2000, 200)) {
                const slot = `${record.topic}:${record.partition}`;
                const end = targets.get(slot);
                if (end !== undefined && record.offset + 1 >= end) targets.delete(slot);
                const from = since.get(record.topic)?.get(record.partition) ?? 0;
                if (record.offset >= from && (end === undefined || record.offset < end)) events.push(parse(record));
              }
            }
          } finally {
            await subscription.close();
            await bus.deleteGroup(group).catch(() => undefined); // leave the shared broker as it was
          }
          return events;
        },
        async close() {},
      };
    },
    async close() {
      await server?.stop();
      server = undefined;
      await bus.close();
    },
  };
}

/**
 * The events by event_id, each once. A topic is at-least-once from the browser: after an unclear
 * failure (a 503 for a write Kafka made anyway, a request cut off by a navigation) the tracker sends
 * the same events again with the same ids, and the stores count each id once. A repeat must be the
 * same event (all but ingest's received_at); an extra event has an id of its own and stays.
 */
export function distinctEvents(arrived: readonly ArrivedEvent[]): { events: ArrivedEvent[]; repeats: number } {
  const byId = new Map<string, ArrivedEvent>();
  const sameEvent = (event: ArrivedEvent) => JSON.stringify({ ...event, value: { ...event.value, received_at: undefined } });
  let repeats = 0;
  for (const event of arrived) {
    const id = event.value['event_id'];
    if (typeof id !== 'string') throw new Error(`an event in the topic has no event_id: ${JSON.stringify(event)}`);
    const first = byId.get(id);
    if (first === undefined) {
      byId.set(id, event);
      continue;
    }
    repeats += 1;
    if (sameEvent(first) !== sameEvent(event))
      throw new Error(`two different events share the event_id ${id}: ${sameEvent(first)} and ${sameEvent(event)}`);
  }
  return { events: [...byId.values()], repeats };
}

/**
 * Reads until `enough(events)` holds and nothing new arrived for `settleMs`
 * (so an extra event would be seen too), or until `timeoutMs`; returns what
 * arrived either way, each event_id once (see distinctEvents), for the assertions to judge.
 */
export async function settledEvents(
  reader: EventReader,
  pick: (event: ArrivedEvent) => boolean,
  enough: (events: ArrivedEvent[]) => boolean,
  { timeoutMs = 30_000, settleMs = 1500, onRepeats }: { timeoutMs?: number; settleMs?: number; onRepeats?: (count: number) => void } = {},
): Promise<ArrivedEvent[]> {
  const deadline = Date.now() + timeoutMs;
  let events: ArrivedEvent[] = [];
  let repeats = 0;
  let count = -1;
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    ({ events, repeats } = distinctEvents((await reader.read()).filter(pick)));
    if (events.length !== count) {
      count = events.length;
      stableSince = Date.now();
    } else if (enough(events) && Date.now() - stableSince >= settleMs) {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (repeats > 0) onRepeats?.(repeats);
  return events;
}

/** Events of one visitor, by the user id its tracker stored. */
export const fromUser =
  (userId: string) =>
  (event: ArrivedEvent): boolean =>
    event.value['user_id'] === userId;

/** Events from any page of a site served at `base` (for visitors that never got a user id). */
export const fromPagesOf =
  (base: string) =>
  (event: ArrivedEvent): boolean =>
    String(event.value['url'] ?? '').startsWith(`${base}/`);

export const countByType = (events: ArrivedEvent[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const event of events) {
    const type = String(event.value['type']);
    counts[type] = (counts[type] ?? 0) + 1;
  }
  return counts;
};
