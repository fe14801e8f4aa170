/**
 * The Kafka page's API on a 1,000,000-record topic, on Apache Kafka and on the embedded log:
 * how long each kind of page takes over HTTP (newest first, the pages after it by cursor, seeks by
 * time and offset, a filter that matches nothing), the groups list with 500 groups, and a live
 * record's way to an SSE client. Every page must answer under 1 s; the run fails if one does not.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import type { Bus, ClusterAdmin } from '../src/bus/bus.ts';
import { createEmbeddedBus } from '../src/bus/embedded/index.ts';
import { createKafkaBus } from '../src/bus/kafka/kafka-bus.ts';
import { createKafkaClusterAdmin } from '../src/bus/kafka/kafka-cluster-admin.ts';
import { createHttpApp } from '../src/http/http-app.ts';
import { registerKafkaRoutes } from '../src/query/kafka-routes.ts';
import { createLogger } from '../src/shared/logger.ts';
import { silentLogger } from '../test/helpers/embedded-bus.ts';
import { fillKafkaTopic, fillThroughBus } from '../test/helpers/kafka-page-suite.ts';
import { deleteKafkaTopics } from '../test/helpers/kafka-topics.ts';
import { kafkaBrokers } from '../test/helpers/services.ts';
import { machine, writeSection } from './report.ts';

const RECORDS = Number(process.env['BENCH_RECORDS'] ?? 1_000_000);
const GROUPS = Number(process.env['BENCH_GROUPS'] ?? 500);
const SAMPLES = 20;
const PAGE_LIMIT_MS = 1000;
const brokers = kafkaBrokers.split(',');

interface Target {
  kind: 'kafka' | 'embedded';
  bus: Bus;
  admin: ClusterAdmin;
  /** How the big topic is filled, and how long it took. */
  fills: Array<{ how: string; seconds: number }>;
  fill(topic: string): Promise<void>;
  close(topics: string[], groups: string[]): Promise<void>;
}

interface Row {
  target: string;
  what: string;
  samples: number;
  p50: number;
  p95: number;
  max: number;
  /** Pages are held to PAGE_LIMIT_MS; other rows are figures only. */
  page: boolean;
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (ms: number): number => Math.round(ms * 10) / 10;

function row(target: string, what: string, times: number[], page: boolean): Row {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    target,
    what,
    samples: times.length,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    max: round(sorted.at(-1) ?? NaN),
    page,
  };
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

async function kafkaTarget(): Promise<Target> {
  const bus = createKafkaBus({ brokers, clientId: 'bench-kafka-page' });
  const admin = createKafkaClusterAdmin({ brokers, clientId: 'bench-kafka-page' });
  const fills: Target['fills'] = [];
  return {
    kind: 'kafka',
    bus,
    admin,
    fills,
    async fill(topic) {
      const fast = await timed(() => fillKafkaTopic(brokers, topic, RECORDS));
      fills.push({ how: '@platformatic/kafka producer, 10,000-record send()s, 4 in flight, acks=all', seconds: fast.ms / 1000 });
      // For comparison: the same count through Pulse's Bus port (per-call acknowledgement), into a scratch topic.
      const scratch = `${topic}-port`;
      await bus.ensureTopics([{ name: scratch, partitions: 1 }]);
      const port = await timed(() => fillThroughBus(bus, scratch, RECORDS));
      fills.push({ how: "Pulse's Bus port (`bus.produce`, 50,000-record calls)", seconds: port.ms / 1000 });
      await deleteKafkaTopics([scratch]);
    },
    async close(topics, groups) {
      await Promise.allSettled([admin.close(), bus.close()]);
      await deleteKafkaTopics(topics);
      const cleanup = new Admin({ clientId: 'bench-kafka-page-cleanup', bootstrapBrokers: brokers });
      try {
        for (let at = 0; at < groups.length; at += 100) await cleanup.deleteGroups({ groups: groups.slice(at, at + 100) });
      } finally {
        await cleanup.close();
      }
    },
  };
}

async function embeddedTarget(): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-kafka-page-'));
  const bus = await createEmbeddedBus({ dir, logger: silentLogger, retention: { maxRecordsPerPartition: 2 * RECORDS } });
  const fills: Target['fills'] = [];
  return {
    kind: 'embedded',
    bus,
    admin: bus.clusterAdmin({ host: '127.0.0.1', port: 8080 }),
    fills,
    async fill(topic) {
      const port = await timed(() => fillThroughBus(bus, topic, RECORDS));
      fills.push({ how: "Pulse's Bus port (`bus.produce`, 50,000-record calls)", seconds: port.ms / 1000 });
    },
    async close() {
      await bus.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One SSE connection; resolves each record's arrival time by its value. */
async function liveLatencies(base: string, bus: Bus, topic: string, samples: number): Promise<number[]> {
  const stop = new AbortController();
  const response = await fetch(`${base}/api/kafka/topics/${topic}/live`, { signal: stop.signal });
  const reader = response.body?.getReader();
  if (reader === undefined) throw new Error('no SSE body');
  const waiting = new Map<string, (at: number) => void>();
  const decoder = new TextDecoder();
  let buffered = '';
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffered += decoder.decode(value, { stream: true });
      const events = buffered.split('\n\n');
      buffered = events.pop() ?? '';
      for (const event of events) {
        const data = /^data: (.*)$/m.exec(event)?.[1];
        if (data === undefined) continue;
        const probe = (JSON.parse(data) as { value: { probe?: string } | null }).value?.probe;
        if (probe !== undefined) waiting.get(probe)?.(performance.now());
      }
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const probe = randomUUID();
    const arrived = new Promise<number>((resolve) => waiting.set(probe, resolve));
    const sent = performance.now();
    await bus.produce([{ topic, value: JSON.stringify({ probe }), partition: 0 }]);
    times.push((await arrived) - sent);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  stop.abort();
  await pump;
  return times;
}

async function measure(target: Target): Promise<Row[]> {
  const label = target.kind === 'kafka' ? 'Kafka' : 'embedded';
  const prefix = `bench-kp-${randomUUID().slice(0, 8)}`;
  const big = `${prefix}-big`;
  const live = `${prefix}-live`;
  const groups = Array.from({ length: GROUPS }, (_, i) => `${prefix}-group-${String(i).padStart(4, '0')}`);
  const rows: Row[] = [];
  const app = createHttpApp({ logger: createLogger('silent', 'bench') });
  try {
    await target.bus.ensureTopics([
      { name: big, partitions: 1 },
      { name: live, partitions: 1 },
    ]);
    console.error(`- ${label}: filling ${RECORDS.toLocaleString('en-US')} records`);
    await target.fill(big);
    console.error(`- ${label}: ${GROUPS} groups`);
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < groups.length) {
        const group = groups[next++] ?? '';
        await target.admin.resetGroupOffsets(group, { to: 'earliest' }, [big]);
      }
    };
    await Promise.all(Array.from({ length: 8 }, lane));

    registerKafkaRoutes(app, { bus: target.bus, admin: target.admin });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const get = async (
      path: string,
    ): Promise<{ ms: number; body: { messages?: Array<{ offset: number }>; nextCursor?: string | null } }> => {
      const start = performance.now();
      const response = await fetch(`${base}${path}`);
      const body = (await response.json()) as { messages?: Array<{ offset: number }>; nextCursor?: string | null };
      if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
      return { ms: performance.now() - start, body };
    };
    const messages = `/api/kafka/topics/${big}/messages`;
    console.error(`- ${label}: pages`);

    const newest: number[] = [];
    for (let i = 0; i < SAMPLES; i++) newest.push((await get(`${messages}?limit=50`)).ms);
    rows.push(row(label, 'newest page (limit 50)', newest, true));

    const following: number[] = [];
    let cursor = (await get(`${messages}?limit=50`)).body.nextCursor ?? null;
    for (let i = 0; i < SAMPLES && cursor !== null; i++) {
      const answer = await get(`${messages}?limit=50&cursor=${encodeURIComponent(cursor)}`);
      following.push(answer.ms);
      cursor = answer.body.nextCursor ?? null;
    }
    rows.push(row(label, 'the next pages, by cursor', following, true));

    const randomTimestamp = async (): Promise<number> => {
      const [record] = await target.admin.read(big, 0, Math.floor(Math.random() * RECORDS), 1);
      return record?.timestamp ?? Date.now();
    };
    const byTime: number[] = [];
    const byTimeOldest: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      byTime.push((await get(`${messages}?limit=50&timestamp=${await randomTimestamp()}`)).ms);
      byTimeOldest.push((await get(`${messages}?limit=50&order=oldest&timestamp=${await randomTimestamp()}`)).ms);
    }
    rows.push(row(label, 'newest-first from a timestamp', byTime, true));
    rows.push(row(label, 'oldest-first from a timestamp', byTimeOldest, true));

    const byOffset: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      byOffset.push((await get(`${messages}?limit=50&partition=0&offset=${Math.floor(Math.random() * RECORDS)}`)).ms);
    }
    rows.push(row(label, 'from a random offset', byOffset, true));

    const rare: number[] = [];
    for (let i = 0; i < 5; i++) rare.push((await get(`${messages}?limit=50&value=no-such-value`)).ms);
    rows.push(row(label, 'a filter matching nothing (20,000 records looked at)', rare, true));

    const groupList: number[] = [];
    for (let i = 0; i < 10; i++) groupList.push((await get(`/api/kafka/groups?search=${prefix}`)).ms);
    rows.push(row(label, `groups list, ${GROUPS} groups with lag`, groupList, true));

    const topicList: number[] = [];
    for (let i = 0; i < 10; i++) topicList.push((await get('/api/kafka/topics')).ms);
    rows.push(row(label, 'topics list', topicList, true));

    console.error(`- ${label}: live`);
    rows.push(row(label, 'live: produce → SSE event', await liveLatencies(base, target.bus, live, 10), false));
  } finally {
    await app.close();
    await target.close([big, live], groups);
  }
  return rows;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const fills: string[] = [];
  for (const open of [kafkaTarget, embeddedTarget]) {
    const target = await open();
    rows.push(...(await measure(target)));
    for (const fill of target.fills) {
      const rate = Math.round(RECORDS / fill.seconds).toLocaleString('en-US');
      fills.push(`| ${target.kind === 'kafka' ? 'Kafka' : 'embedded'} | ${fill.how} | ${fill.seconds.toFixed(1)} | ${rate} |`);
    }
  }
  const slow = rows.filter((r) => r.page && r.max >= PAGE_LIMIT_MS);
  const table = rows
    .map(
      (r) =>
        `| ${r.target} | ${r.what} | ${r.samples} | ${r.p50} | ${r.p95} | ${r.max} | ${r.page ? (r.max < PAGE_LIMIT_MS ? 'yes' : '**no**') : '—'} |`,
    )
    .join('\n');
  await writeSection(
    'kafka-page',
    `## Kafka page: browsing a 1,000,000-record topic

The Kafka page's API (\`src/query/kafka-routes.ts\`) over HTTP on a fresh one-partition topic of
${RECORDS.toLocaleString('en-US')} records (values like \`{"i":123456}\`), on the broker of \`scripts/stack\` and on the
embedded log (a temp directory, default segment size of 10,000 records), in the same run. Each page asks for 50 records;
seeks pick random offsets and the timestamps of records at random offsets. The groups list shows ${GROUPS} groups with
committed offsets on that topic, each with its lag. Times are per HTTP request, client side, milliseconds.

- Date: ${new Date().toISOString().slice(0, 10)}
- Machine: ${machine()}
- Command: \`npm run bench -- kafka-page\` (stack up first: \`npm run stack -- up\`; \`BENCH_RECORDS\`, \`BENCH_GROUPS\` change the counts)

| bus | request | samples | p50 ms | p95 ms | max ms | every page < 1 s |
| --- | --- | ---: | ---: | ---: | ---: | --- |
${table}

Filling the topic (not part of the page, but the test setup it needs):

| bus | how | seconds | records/s |
| --- | --- | ---: | ---: |
${fills.join('\n')}

Why the pages stay fast: nothing scans from the start. Newest-first reads the last records of each partition
(Kafka: a Fetch at end − 50 on the leader, by a consumer that never joins a group; embedded: the in-memory tail or the
segment that holds the offset, found by binary search and its sparse index); a timestamp becomes offsets first (Kafka's
ListOffsets; the embedded log binary-searches its append times), and a cursor holds each partition's position, so page
N costs what page 1 costs. A filter looks at no more than 20,000 records per request and returns a cursor to go on.
`,
  );
  console.log(table);
  if (slow.length > 0)
    throw new Error(`pages over ${PAGE_LIMIT_MS} ms: ${slow.map((r) => `${r.target} ${r.what} (${r.max} ms)`).join('; ')}`);
}

await main();
