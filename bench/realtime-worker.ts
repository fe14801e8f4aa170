/**
 * Realtime worker throughput (Kafka → Redis, and the embedded equivalent)
 * beside redis-benchmark on the same Redis in the same run.
 */
import { execFile } from 'node:child_process';
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
import { realtimeWorker } from '../src/workers/realtime/realtime-worker.ts';
import { createRedisRealtimeStore } from '../src/stores/realtime/redis/index.ts';
import { startWorker } from '../src/workers/worker-runner.ts';
import { knownStream } from '../test/helpers/known-stream.ts';
import { kafkaBrokers, redisUrl } from '../test/helpers/services.ts';
import { machine, writeSection } from './report.ts';

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 100_000);
const logger = createLogger('silent', 'bench');
const redis = new URL(redisUrl);

async function redisBenchmark(): Promise<string[]> {
  const { stdout } = await promisify(execFile)('redis-benchmark', [
    '-h',
    redis.hostname,
    '-p',
    redis.port,
    '-n',
    '200000',
    '-P',
    '16',
    '-q',
    '-t',
    'set,incr,lpush,zadd',
  ]);
  return stdout
    .split(/\r|\n/)
    .map((line) => line.trim())
    .filter((line) => /requests per second/.test(line) && !/^\S+: rps=/.test(line));
}

/** Time for one worker to drain EVENTS records that are already on the bus. */
async function drain(bus: Bus, store: RealtimeStore, label: string): Promise<number> {
  const id = randomUUID().slice(0, 8);
  const topics = [`bench-ua-${id}`, `bench-mc-${id}`];
  await bus.ensureTopics(
    topics.map((name) => ({ name, partitions: 3 })).concat(topics.map((name) => ({ name: `${name}.dlq`, partitions: 1 }))),
  );
  const site = `bench${id}`;
  const stream = knownStream(site, { count: EVENTS, users: 2000, seed: 3, now: Date.now() });
  for (let i = 0; i < stream.unique.length; i += 5000) {
    await bus.produce(
      stream.unique.slice(i, i + 5000).map((event) => ({
        topic: event.type === 'mouse_move' ? (topics[1] as string) : (topics[0] as string),
        key: event.user_id,
        value: JSON.stringify(event),
      })),
    );
  }
  const definition = { ...realtimeWorker(store), group: `bench-${id}`, topics };
  const start = performance.now();
  const worker = await startWorker(definition, { bus, logger, batchSize: 500, pollWaitMs: 100 });
  const progress = setInterval(() => process.stderr.write(`\r  ${label}: ${worker.status().records.ok}/${EVENTS}   `), 1000);
  while (worker.status().records.ok < EVENTS) await new Promise((resolve) => setTimeout(resolve, 20));
  const ms = performance.now() - start;
  clearInterval(progress);
  process.stderr.write('\n');
  await worker.stop();
  return Math.round((EVENTS / ms) * 1000);
}

async function main(): Promise<void> {
  console.error('- redis-benchmark');
  const redisLines = await redisBenchmark();

  console.error('- Kafka → Redis');
  const kafka = createKafkaBus({ brokers: kafkaBrokers.split(','), clientId: 'bench-rt' });
  const redisStore = createRedisRealtimeStore({ url: redisUrl });
  const kafkaToRedis = await drain(kafka, redisStore, 'kafka → redis');
  await kafka.close();

  console.error('- embedded log → memory');
  const dir = await mkdtemp(join(tmpdir(), 'pulse-bench-'));
  const embedded = await createEmbeddedBus({ dir });
  const embeddedRate = await drain(embedded, createMemoryRealtimeStore(), 'embedded → memory');
  await embedded.close();
  await rm(dir, { recursive: true, force: true });

  console.error('- applyBatch on Redis alone');
  const site = `benchdirect${randomUUID().slice(0, 6)}`;
  const direct = knownStream(site, { count: EVENTS, users: 2000, seed: 5, now: Date.now() }).unique;
  const start = performance.now();
  for (let i = 0; i < direct.length; i += 500) await redisStore.applyBatch(direct.slice(i, i + 500));
  const directRate = Math.round((direct.length / (performance.now() - start)) * 1000);
  await redisStore.close();

  const fmt = (n: number) => n.toLocaleString('en-US');
  await writeSection(
    'realtime-worker',
    `## Realtime worker throughput

${fmt(EVENTS)} enriched events (40% page views, 35% cursor moves, the rest clicks, forms and custom events; 2,000 users),
already on the bus, drained by one worker in batches of 500, each event applied once (dedupe by \`event_id\`) with every live
aggregate updated; beside \`redis-benchmark\` on the same Redis 7 in the same run.

- Date: ${new Date().toISOString().slice(0, 10)}
- Machine: ${machine()}
- Command: \`npm run bench -- realtime-worker\` (stack up first; \`BENCH_EVENTS\` changes the count)

| what | events/s |
| --- | ---: |
| realtime worker, Kafka → Redis (one consumer, one Lua script call per batch) | ${fmt(kafkaToRedis)} |
| the Redis store alone (\`applyBatch\` of 500, no Kafka) | ${fmt(directRate)} |
| realtime worker, embedded log → in-memory store (\`pulse start\`) | ${fmt(embeddedRate)} |

\`redis-benchmark -n 200000 -P 16 -t set,incr,lpush,zadd\` (pipelined, one key per command):

${redisLines.map((line) => `- ${line}`).join('\n')}

Each event costs several Redis writes (dedupe key, active-users set, page counters, minute buckets, per-user hash, session,
feed, heat map), batched per key inside one script, so worker events/s is a fraction of raw pipelined commands/s.
`,
  );
  console.log({ kafkaToRedis, directRate, embeddedRate, redisLines });
}

await main();
