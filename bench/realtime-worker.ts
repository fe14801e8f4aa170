/**
 * Realtime worker throughput (Kafka → Redis, Kafka → Redis Cluster, and the embedded equivalent)
 * beside redis-benchmark on the same Redis in the same run, with issue 14's targets: the worker at
 * ≥ 50% of Redis' limit for the same work (pipelined ops/s ÷ keys one event writes), the memory
 * store at ≥ 150k events/s. Also CPU µs and Redis bytes per event, for the capacity table.
 */
import { execFile } from 'node:child_process';
import { Cluster, Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Bus } from '../src/bus/bus.ts';
import { createEmbeddedBus } from '../src/bus/embedded/embedded-bus.ts';
import { createKafkaBus } from '../src/bus/kafka/kafka-bus.ts';
import { createLogger } from '../src/shared/logger.ts';
import { createMemoryRealtimeStore } from '../src/stores/realtime/memory/index.ts';
import type { RealtimeStore } from '../src/stores/realtime/realtime-store.ts';
import { planEvent, type PlannedEvent } from '../src/stores/realtime/aggregate-keys.ts';
import { realtimeWorker } from '../src/workers/realtime/realtime-worker.ts';
import { createRedisRealtimeStore } from '../src/stores/realtime/redis/index.ts';
import { startWorker, type RunningWorker } from '../src/workers/worker-runner.ts';
import { knownStream } from '../test/helpers/known-stream.ts';
import { kafkaBrokers, redisUrl } from '../test/helpers/services.ts';
import { machine, writeSection } from './report.ts';

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 100_000);
const REPEATS = Number(process.env['BENCH_REPEATS'] ?? 3);
const CLUSTER_URL = process.env['PULSE_TEST_REDIS_CLUSTER_URL'] ?? 'redis://127.0.0.1:17001,127.0.0.1:17002,127.0.0.1:17003';
/** Sites of the cluster run: a site's keys share one hash slot, so one site never spreads over masters. */
const CLUSTER_SITES = 6;
const WORKER_TARGET = 0.5;
const MEMORY_TARGET = 150_000;
const logger = createLogger('silent', 'bench');
const redis = new URL(redisUrl);
const clusterSeeds = CLUSTER_URL.replace(/^redis:\/\//, '')
  .split(',')
  .map((seed) => ({ host: seed.split(':')[0] as string, port: Number(seed.split(':')[1]) }));

const BENCH_COMMANDS = 'set,incr,lpush,sadd,hset,zadd';

/** Mean requests/s of `redis-benchmark -P 16` over the write commands the apply script uses most. */
async function redisBenchmark(cluster: boolean): Promise<{ lines: string[]; opsPerSecond: number }> {
  const seed = clusterSeeds[0] as { host: string; port: number };
  const target = cluster ? ['-h', seed.host, '-p', String(seed.port), '--cluster'] : ['-h', redis.hostname, '-p', redis.port];
  const { stdout } = await promisify(execFile)('redis-benchmark', [...target, '-n', '200000', '-P', '16', '-q', '-t', BENCH_COMMANDS]);
  const lines = stdout
    .split(/\r|\n/)
    .map((line) => line.trim())
    .filter((line) => /requests per second/.test(line) && !/^\S+: rps=/.test(line));
  const rates = lines.map((line) => Number(/([\d.]+) requests per second/.exec(line)?.[1] ?? NaN)).filter(Number.isFinite);
  return { lines, opsPerSecond: rates.reduce((sum, n) => sum + n, 0) / Math.max(1, rates.length) };
}

/**
 * Keys the apply script (scripts.ts) writes for each event of `events`, in order, counted per event as if it were alone in
 * its batch, and averaged: the dedupe marker; \`newest\` when the event raises it; for a counted event \`active\`, \`eps:<s>\`,
 * \`sessions\`, \`u:<id>:hour\`, \`u:<id>:sessions\`, and \`sessions:first\` for a session's first event; the feed for anything
 * but a cursor move; a page view adds \`pages\`, \`pages:m\`, \`sessions:pv\` (and \`quick:m\`); a cursor move \`cursors\`,
 * \`u:<id>:pos\` (and \`heat:<path>\`); a bot \`bots:m\`. EXPIREs of keys already written and reads are not counted.
 */
function keysWrittenPerEvent(events: readonly PlannedEvent[]): number {
  let newest = -Infinity;
  const sessions = new Set<string>();
  let keys = 0;
  for (const event of events) {
    keys += 1 + (event.ts > newest ? 1 : 0);
    newest = Math.max(newest, event.ts);
    if (event.bot !== null) {
      keys += 1;
      continue;
    }
    keys += 5 + (sessions.has(event.sessionId) ? 0 : 1) + (event.mouse === null ? 1 : 0);
    sessions.add(event.sessionId);
    if (event.pageView) keys += event.quickExit ? 4 : 3;
    if (event.mouse !== null) keys += event.mouse.cell === null ? 2 : 3;
  }
  return keys / Math.max(1, events.length);
}

interface Sample {
  eventsPerSecond: number;
  /** Node CPU (user + system) of this process per event. */
  nodeCpuUs: number;
  /** Redis CPU per event (every master of a cluster), from INFO cpu. */
  redisCpuUs: number;
  /** used_memory growth per event (every master). */
  redisBytes: number;
}

type Admin = { masters(): Redis[]; close(): Promise<void> };

function adminOf(url: string | 'cluster'): Admin {
  if (url !== 'cluster') {
    const client = new Redis(url);
    return { masters: () => [client], close: async () => void (await client.quit()) };
  }
  const cluster = new Cluster(clusterSeeds);
  return { masters: () => cluster.nodes('master'), close: async () => void (await cluster.quit()) };
}

const infoField = (text: string, field: string): number => Number(new RegExp(`${field}:([\\d.]+)`).exec(text)?.[1] ?? NaN);

async function redisTotals(admin: Admin | undefined): Promise<{ cpuUs: number; bytes: number }> {
  if (admin === undefined) return { cpuUs: 0, bytes: 0 };
  let cpuUs = 0;
  let bytes = 0;
  for (const master of admin.masters()) {
    const info = await master.info();
    cpuUs += (infoField(info, 'used_cpu_user') + infoField(info, 'used_cpu_sys')) * 1e6;
    bytes += infoField(info, 'used_memory');
  }
  return { cpuUs, bytes };
}

/** Measures `work` over `events`: rate, this process' CPU, Redis' CPU and memory growth. */
async function measure(events: number, admin: Admin | undefined, work: () => Promise<void>): Promise<Sample> {
  const before = await redisTotals(admin);
  const cpu = process.cpuUsage();
  const start = performance.now();
  await work();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const after = await redisTotals(admin);
  return {
    eventsPerSecond: Math.round((events / ms) * 1000),
    nodeCpuUs: (used.user + used.system) / events,
    redisCpuUs: (after.cpuUs - before.cpuUs) / events,
    redisBytes: (after.bytes - before.bytes) / events,
  };
}

/** The bench's stream: EVENTS enriched events of 2,000 users over `sites` sites. */
function stream(sites: readonly string[], seed: number) {
  const perSite = Math.ceil(EVENTS / sites.length);
  return sites
    .flatMap((site, i) => knownStream(site, { count: perSite, users: 2000, seed: seed + i, now: Date.now() }).unique)
    .slice(0, EVENTS);
}

/**
 * `members` workers of one group in this process (as `PULSE_REALTIME_CONSUMERS` runs them), sharing
 * the store, drain EVENTS records that are already on the bus.
 */
async function drain(bus: Bus, store: RealtimeStore, label: string, sites: number, admin: Admin | undefined, members = 1): Promise<Sample> {
  const id = randomUUID().slice(0, 8);
  const topics = [`bench-ua-${id}`, `bench-mc-${id}`];
  await bus.ensureTopics(
    topics.map((name) => ({ name, partitions: 3 })).concat(topics.map((name) => ({ name: `${name}.dlq`, partitions: 1 }))),
  );
  const events = stream(
    Array.from({ length: sites }, (_, i) => `bench${id}s${i}`),
    3,
  );
  for (let i = 0; i < events.length; i += 5000) {
    await bus.produce(
      events.slice(i, i + 5000).map((event) => ({
        topic: event.type === 'mouse_move' ? (topics[1] as string) : (topics[0] as string),
        key: event.user_id,
        value: JSON.stringify(event),
      })),
    );
  }
  const definition = { ...realtimeWorker(store), group: `bench-${id}`, topics };
  return measure(events.length, admin, async () => {
    const workers: RunningWorker[] = [];
    for (let i = 0; i < members; i += 1) workers.push(await startWorker(definition, { bus, logger, batchSize: 500, pollWaitMs: 100 }));
    const written = () => workers.reduce((sum, worker) => sum + worker.status().records.ok, 0);
    const progress = setInterval(() => process.stderr.write(`\r  ${label}: ${written()}/${events.length}   `), 1000);
    while (written() < events.length) await new Promise((resolve) => setTimeout(resolve, 20));
    clearInterval(progress);
    process.stderr.write('\n');
    await Promise.all(workers.map((worker) => worker.stop()));
  });
}

/** applyBatch of 500 at a time, no bus. */
async function direct(store: RealtimeStore, admin: Admin | undefined, seed: number): Promise<Sample> {
  const events = stream([`benchdirect${randomUUID().slice(0, 6)}`], seed);
  return measure(events.length, admin, async () => {
    for (let i = 0; i < events.length; i += 500) await store.applyBatch(events.slice(i, i + 500));
  });
}

/** Bytes Redis holds per active user, per page and per remembered event id, from MEMORY USAGE of one site's keys. */
async function memoryPerEntity(
  client: Redis,
  site: string,
): Promise<{ perUser: number; perSeen: number; siteWide: number; users: number }> {
  let perUserBytes = 0;
  let seenBytes = 0;
  let seen = 0;
  let siteWide = 0;
  const users = new Set<string>();
  for await (const batch of client.scanStream({ match: `pulse:rt:{${site}}:*`, count: 1000 }) as AsyncIterable<string[]>) {
    for (const key of batch) {
      const bytes = Number((await client.memory('USAGE', key)) ?? 0);
      const user = /:u:(.*):(hour|pos|sessions)$/.exec(key);
      if (user !== null) {
        users.add(user[1] as string);
        perUserBytes += bytes;
      } else if (key.includes('}:seen:')) {
        seen += 1;
        seenBytes += bytes;
      } else siteWide += bytes;
    }
  }
  return { perUser: perUserBytes / Math.max(1, users.size), perSeen: seenBytes / Math.max(1, seen), siteWide, users: users.size };
}

/** Deletes the bench's keys one by one (on a cluster master, keys of different sites live in different slots). */
async function removeSite(client: Redis, pattern: string): Promise<void> {
  for await (const batch of client.scanStream({ match: pattern, count: 1000 }) as AsyncIterable<string[]>) {
    const pipeline = client.pipeline();
    for (const key of batch) pipeline.unlink(key);
    await pipeline.exec();
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

interface Figure {
  label: string;
  samples: Sample[];
}

async function main(): Promise<void> {
  console.error('- redis-benchmark (Redis, then Redis Cluster)');
  const single = await redisBenchmark(false);
  const clustered = await redisBenchmark(true);

  const sample = stream(['benchcount'], 3).map(planEvent);
  const writesPerEvent = keysWrittenPerEvent(sample);
  const limit = single.opsPerSecond / writesPerEvent;
  const clusterLimit = clustered.opsPerSecond / writesPerEvent;

  const figures: Record<'worker' | 'worker2' | 'cluster' | 'cluster2' | 'direct' | 'embedded' | 'memoryDirect', Figure> = {
    worker: { label: 'realtime worker, Kafka → Redis (one consumer)', samples: [] },
    worker2: { label: 'realtime worker, Kafka → Redis (`PULSE_REALTIME_CONSUMERS=2`: two consumers in one process)', samples: [] },
    cluster: { label: `realtime worker, Kafka → Redis Cluster (one consumer, ${CLUSTER_SITES} sites)`, samples: [] },
    cluster2: { label: `realtime worker, Kafka → Redis Cluster (two consumers in one process, ${CLUSTER_SITES} sites)`, samples: [] },
    direct: { label: 'the Redis store alone (`applyBatch` of 500, no Kafka)', samples: [] },
    embedded: { label: 'realtime worker, embedded log → in-memory store (`pulse start`)', samples: [] },
    memoryDirect: { label: 'the in-memory store alone (`applyBatch` of 500, no bus)', samples: [] },
  };
  const kafka = createKafkaBus({ brokers: kafkaBrokers.split(','), clientId: 'bench-rt' });
  const redisStore = createRedisRealtimeStore({ url: redisUrl });
  const clusterStore = createRedisRealtimeStore({ url: CLUSTER_URL });
  const singleAdmin = adminOf(redisUrl);
  const clusterAdmin = adminOf('cluster');
  const dir = await mkdtemp(join(tmpdir(), 'pulse-bench-'));
  const embedded = await createEmbeddedBus({ dir });
  let sizing: Awaited<ReturnType<typeof memoryPerEntity>> | undefined;
  try {
    // Interleaved, so a burst of someone else's load hits every figure alike.
    for (let round = 1; round <= REPEATS; round += 1) {
      console.error(`- round ${round}/${REPEATS}`);
      figures.worker.samples.push(await drain(kafka, redisStore, 'kafka → redis', 1, singleAdmin));
      figures.worker2.samples.push(await drain(kafka, redisStore, 'kafka → redis, 2 consumers', 1, singleAdmin, 2));
      figures.cluster.samples.push(await drain(kafka, clusterStore, 'kafka → redis cluster', CLUSTER_SITES, clusterAdmin));
      figures.cluster2.samples.push(await drain(kafka, clusterStore, 'kafka → redis cluster, 2 consumers', CLUSTER_SITES, clusterAdmin, 2));
      figures.direct.samples.push(await direct(redisStore, singleAdmin, 5 + round));
      figures.embedded.samples.push(await drain(embedded, createMemoryRealtimeStore(), 'embedded → memory', 1, undefined));
      figures.memoryDirect.samples.push(await direct(createMemoryRealtimeStore(), undefined, 5 + round));
    }
    const client = singleAdmin.masters()[0] as Redis;
    const site = `benchsize${randomUUID().slice(0, 6)}`;
    await redisStore.applyBatch(stream([site], 9).slice(0, 20_000));
    sizing = await memoryPerEntity(client, site);
    await removeSite(client, `pulse:rt:{bench*`);
    for (const master of clusterAdmin.masters()) await removeSite(master, `pulse:rt:{bench*`);
  } finally {
    await kafka.close();
    await embedded.close();
    await rm(dir, { recursive: true, force: true });
    await redisStore.close();
    await clusterStore.close();
    await singleAdmin.close();
    await clusterAdmin.close();
  }

  const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const rates = (figure: Figure) => figure.samples.map((s) => s.eventsPerSecond);
  const spread = (figure: Figure) => `${fmt(Math.min(...rates(figure)))}–${fmt(Math.max(...rates(figure)))}`;
  const rate = (figure: Figure) => median(rates(figure));
  const verdict = (ratio: number, target: number) => (ratio >= target ? 'met' : '**not met**');
  const row = (figure: Figure, target: string, ratio: string, status: string) =>
    `| ${figure.label} | ${fmt(rate(figure))} | ${spread(figure)} | ${fmt(median(figure.samples.map((s) => s.nodeCpuUs)), 1)} | ${
      figure.samples[0]?.redisCpuUs === 0 ? '—' : fmt(median(figure.samples.map((s) => s.redisCpuUs)), 1)
    } | ${target} | ${ratio} | ${status} |`;
  const workerRatio = rate(figures.worker) / limit;
  const clusterRatio = rate(figures.cluster) / clusterLimit;
  const worker2Ratio = rate(figures.worker2) / limit;
  const cluster2Ratio = rate(figures.cluster2) / clusterLimit;
  const directRatio = rate(figures.direct) / limit;
  const memoryRatio = rate(figures.embedded) / MEMORY_TARGET;
  const memoryDirectRatio = rate(figures.memoryDirect) / MEMORY_TARGET;
  const pct = (ratio: number) => `${fmt(ratio * 100)}%`;
  const table = [
    row(figures.worker, `≥ 50% of ${fmt(limit)}`, pct(workerRatio), verdict(workerRatio, WORKER_TARGET)),
    row(figures.worker2, `≥ 50% of ${fmt(limit)}`, pct(worker2Ratio), verdict(worker2Ratio, WORKER_TARGET)),
    row(figures.cluster, `≥ 50% of ${fmt(clusterLimit)}`, pct(clusterRatio), verdict(clusterRatio, WORKER_TARGET)),
    row(figures.cluster2, `≥ 50% of ${fmt(clusterLimit)}`, pct(cluster2Ratio), verdict(cluster2Ratio, WORKER_TARGET)),
    row(figures.direct, `(≥ 50% of ${fmt(limit)})`, pct(directRatio), verdict(directRatio, WORKER_TARGET)),
    row(figures.embedded, '≥ 150,000', pct(memoryRatio), verdict(memoryRatio, 1)),
    row(figures.memoryDirect, '(≥ 150,000)', pct(memoryDirectRatio), verdict(memoryDirectRatio, 1)),
  ].join('\n');
  const bytesPerEvent = median(figures.worker.samples.map((s) => s.redisBytes));

  await writeSection(
    'realtime-worker',
    `## Realtime worker throughput

${fmt(EVENTS)} enriched events (40% page views, 35% cursor moves, the rest clicks, forms and custom events; 2,000 users a site),
already on 3-partition topics, drained by one worker (and by two members of its group in the same process, as
\`PULSE_REALTIME_CONSUMERS=2\` runs them, splitting the partitions 2 + 1) in batches of 500, each event applied once (dedupe
by \`event_id\`) with every live aggregate updated; beside \`redis-benchmark\` on the same Redis 7 and Redis Cluster (3 masters) in the same run. Each figure is
the median of ${REPEATS} interleaved rounds, with the spread beside it.

- Date: ${new Date().toISOString().slice(0, 10)}
- Machine: ${machine()}
- Command: \`npm run bench -- realtime-worker\` (stack up first; \`BENCH_EVENTS\`, \`BENCH_REPEATS\` change the run)

**Redis' limit for this work.** \`redis-benchmark -n 200000 -P 16 -q -t ${BENCH_COMMANDS}\` (pipelined, one key a command) averages
**${fmt(single.opsPerSecond)} ops/s** on Redis and **${fmt(clustered.opsPerSecond)} ops/s** on the cluster (\`--cluster\`). One event writes
**${fmt(writesPerEvent, 2)} keys** on average in this mix (counted per event from \`scripts.ts\` as if it were alone in its batch:
dedupe marker, \`newest\` when raised, \`active\`, \`eps:<s>\`, \`sessions\`, \`sessions:first\` for a session's first event, \`u:<id>:hour\`,
\`u:<id>:sessions\`, the feed unless a cursor move; page views add \`pages\`, \`pages:m\`, \`sessions:pv\` (\`quick:m\`); cursor moves
\`cursors\`, \`u:<id>:pos\`, \`heat:<path>\`; bots \`bots:m\` only; EXPIREs and reads not counted), so the limit
is **${fmt(limit)} events/s** on Redis and **${fmt(clusterLimit)} events/s** on the cluster.

| what | events/s (median) | spread | worker CPU µs/event | Redis CPU µs/event | target events/s | ratio | status |
| --- | ---: | ---: | ---: | ---: | --- | ---: | --- |
${table}

Rows in parentheses are not targets of their own: they show how much of the gap is the store and how much the bus and decoding.
CPU per event is this process' (the worker's) user + system time and the Redis server's (every master) from \`INFO cpu\`, each
divided by the events; on this shared 2-core machine both are inflated when other work competes for the cores.

Redis memory (for the sizing table): the run grew \`used_memory\` by about **${fmt(bytesPerEvent)} bytes per event** (new users and
sessions included)${
      sizing === undefined
        ? '.'
        : `. By \`MEMORY USAGE\`: the dedupe marker every event leaves for 2 days takes **${fmt(sizing.perSeen)} bytes**, so it alone holds
events/s × 172,800 s × ${fmt(sizing.perSeen)} bytes (${fmt((1000 * 172_800 * sizing.perSeen) / 2 ** 30, 1)} GiB at a steady 1,000 events/s): it, not the live
figures, sizes Redis' memory. Each active user holds **${fmt(sizing.perUser)} bytes** (\`u:<id>:hour\`, \`:sessions\`, \`:pos\`, over
${fmt(sizing.users)} users), and the site-wide keys of a site with 2,000 users, their sessions of the last hour and a few dozen pages
**${fmt(sizing.siteWide / 1024)} KiB** (about ${fmt(sizing.siteWide / 2000)} bytes a user).`
    }

What limits it: the apply script runs every event's writes inside Redis' single thread (a script call costs more than the same
commands pipelined, the price of the atomic dedupe-and-apply); per batch, keys shared by many events (pages, minute and second
buckets, \`active\`, \`sessions\`, the feed) are written once, but every user in a batch still costs \`HINCRBY\`, \`EXPIRE\` ×2 and
\`SADD\` (and \`HGET\`/\`HSET\`/\`EXPIRE\` for a cursor move), and every event its own \`SET NX EX\`. The worker's own CPU (JSON decoding
and validation of each record, script arguments, the Kafka client) is spent while Redis waits, one batch after the other.
On the cluster a site's keys share one hash slot: one site is served by one master, and only several sites spread the load.
`,
  );
  console.log({ single: single.opsPerSecond, clustered: clustered.opsPerSecond, writesPerEvent, limit, clusterLimit, figures, sizing });
}

await main();
