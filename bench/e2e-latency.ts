/**
 * End-to-end latency: `pulse ingest` and `pulse worker realtime` as real processes (Kafka + Redis).
 * At each background rate, a probe page view with a path of its own is posted every PROBE_MS; the
 * latency of a probe runs from the start of its POST to the moment its path has a score in the
 * site's all-time top-pages sorted set in Redis (polled every 2 ms). Probes not visible within the
 * timeout, or refused by ingest, are lost.
 */
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { createPlanner } from '../src/generator/plan.ts';
import { HTTP_TARGET_USER_AGENT, wireEvent } from '../src/generator/targets.ts';
import { rootOf, siteKeys } from '../src/stores/realtime/redis/keys.ts';
import { kafkaBrokers, redisUrl } from '../test/helpers/services.ts';
import {
  cpuSeconds,
  dec,
  envNonNegative,
  envNumber,
  int,
  peakMemoryMiB,
  percentile,
  progress,
  sleep,
  startServer,
  stopAll,
  today,
  type ServerProcess,
} from './processes.ts';
import { machine, writeSection } from './report.ts';

const RATES = (process.env['BENCH_RATES'] ?? '50,1000,5000,20000').split(',').map((r) => envRate(r));
const SECONDS = envNumber('BENCH_SECONDS', 10);
const WARMUP_SECONDS = envNonNegative('BENCH_WARMUP_SECONDS', 2);
const PROBE_MS = envNumber('BENCH_PROBE_MS', 50);
const PROBE_TIMEOUT_MS = envNumber('BENCH_PROBE_TIMEOUT_MS', 10_000);
const CATCH_UP_SECONDS = envNumber('BENCH_CATCHUP_SECONDS', 300);
/** Processes of each kind; above one core's worth of load an operator runs more (ingest behind a balancer, workers in one group). */
const INGEST_PROCESSES = envNumber('BENCH_INGEST_PROCESSES', 1);
const WORKER_PROCESSES = envNumber('BENCH_WORKER_PROCESSES', 1);
/** Issue 14 target 5: end-to-end p99 below this at 5,000 and 20,000 events/s. */
const P99_TARGET_MS = 100;
const POLL_MS = 2;
/** Background events due are posted together once per tick, as a tracker batches what it collected. */
const TICK_MS = 20;
const MAX_IN_FLIGHT = 200;

function envRate(text: string): number {
  const rate = Number(text);
  if (!Number.isFinite(rate) || rate <= 0) throw new RangeError(`BENCH_RATES must be positive numbers separated by commas, got ${text}`);
  return rate;
}

const id = randomUUID().slice(0, 8);
const site = `benchlat${id}`;
const keys = siteKeys(rootOf(''), site);
const topicPrefix = `benchlat${id}.`;
const headers = { 'content-type': 'application/json', 'user-agent': HTTP_TARGET_USER_AGENT };

interface RateResult {
  rate: number;
  backgroundPerSecond: number;
  backgroundFailed: number;
  probes: number;
  latencies: number[];
  acks: number[];
  lost: number;
  ingestCores: number;
  workerCores: number;
}

let phases = 0;

/** Every event id the run sent, so their `seen:` keys can be removed afterwards. */
const sentIds: string[] = [];

const planner = createPlanner(23, { site, idPrefix: `bl${id}`, users: 2000 });
function backgroundEvent(now: Date): Record<string, unknown> {
  for (;;) {
    const entry = planner.next();
    if (entry.invalid !== null || entry.duplicateOf !== null) continue;
    sentIds.push(entry.event.event_id ?? '');
    return wireEvent(entry, now) as Record<string, unknown>;
  }
}

async function post(base: string, body: unknown): Promise<number> {
  const response = await fetch(`${base}/api/events`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
  });
  await response.arrayBuffer();
  return response.status;
}

interface WorkerStatus {
  totalLag: number | null;
}

async function caughtUp(worker: ServerProcess): Promise<void> {
  let lag: number | null = null;
  const start = Date.now();
  const stop = progress(() => `realtime worker catching up with the shared topics: lag ${lag ?? '?'}`);
  try {
    for (;;) {
      try {
        lag = ((await (await fetch(`${worker.base}/status`, { signal: AbortSignal.timeout(5000) })).json()) as WorkerStatus).totalLag;
      } catch {
        lag = null;
      }
      if (lag === 0) return;
      if (Date.now() - start > CATCH_UP_SECONDS * 1000)
        throw new Error(`the realtime worker did not catch up within ${CATCH_UP_SECONDS} s`);
      await sleep(250);
    }
  } finally {
    stop();
  }
}

const cpuOf = (servers: readonly ServerProcess[]): number => servers.reduce((sum, server) => sum + cpuSeconds(server.pid), 0);

async function measureRate(
  rate: number,
  seconds: number,
  ingests: readonly ServerProcess[],
  workers: readonly ServerProcess[],
  redis: Redis,
): Promise<RateResult> {
  let nextIngest = 0;
  /** Posts go round-robin over the ingest processes, as a load balancer would send them. */
  const ingestBase = (): string => (ingests[nextIngest++ % ingests.length] as ServerProcess).base;
  const phase = (phases += 1); // probe paths and ids are new in every measurement
  const pending = new Map<string, number>(); // probe path → POST start (performance.now())
  const latencies: number[] = [];
  const acks: number[] = [];
  let lost = 0;
  let probes = 0;
  let sent = 0;
  let accepted = 0;
  let failed = 0;
  let inFlight = 0;
  const posts = new Set<Promise<void>>();
  const track = (work: Promise<void>): void => {
    posts.add(work);
    void work.finally(() => posts.delete(work));
  };

  // The watcher: one ZMSCORE for every probe still waiting, every POLL_MS.
  let watching = true;
  const watcher = (async () => {
    while (watching || pending.size > 0) {
      if (pending.size > 0) {
        const paths = [...pending.keys()];
        const scores = await redis.zmscore(keys.pages, ...paths);
        const now = performance.now();
        paths.forEach((path, i) => {
          const start = pending.get(path) as number;
          if (scores[i] !== null && scores[i] !== undefined) {
            latencies.push(now - start);
            pending.delete(path);
          } else if (now - start > PROBE_TIMEOUT_MS) {
            lost += 1;
            pending.delete(path);
          }
        });
      }
      await sleep(POLL_MS);
    }
  })();
  watcher.catch(() => undefined); // its error is thrown where it is awaited, below

  const cpu0 = [cpuOf(ingests), cpuOf(workers)];
  const started = performance.now();
  const stopProgress = progress(
    () =>
      `${rate} events/s: ${Math.min(seconds, Math.round((performance.now() - started) / 1000))}/${seconds} s, background ${int(accepted)} accepted, probes ${latencies.length}/${probes} seen, ${lost} lost`,
  );

  const background = setInterval(() => {
    const due = Math.floor((rate * (performance.now() - started)) / 1000) - sent;
    if (due <= 0 || inFlight >= MAX_IN_FLIGHT) return;
    const now = new Date();
    const events = Array.from({ length: due }, () => backgroundEvent(now));
    sent += due;
    inFlight += 1;
    track(
      post(ingestBase(), events)
        .then(
          (status) => void (status === 202 ? (accepted += due) : (failed += due)),
          () => void (failed += due),
        )
        .finally(() => (inFlight -= 1)),
    );
  }, TICK_MS);

  const prober = setInterval(() => {
    const n = probes++;
    const path = `/probe/${id}/${phase}/${n}`;
    const eventId = `blp${id}-${phase}-${n}`;
    sentIds.push(eventId);
    const event = {
      type: 'page_view',
      site,
      user_id: `probe-${n % 50}`,
      session_id: `probe-${n % 50}-s`,
      url: `https://shop.example${path}`,
      event_id: eventId,
      ts: new Date().toISOString(),
      duration: 30,
    };
    const start = performance.now();
    pending.set(path, start);
    track(
      post(ingestBase(), event).then(
        (status) => {
          if (status === 202) acks.push(performance.now() - start);
          else if (pending.delete(path)) lost += 1;
        },
        () => {
          if (pending.delete(path)) lost += 1;
        },
      ),
    );
  }, PROBE_MS);

  await sleep(seconds * 1000);
  clearInterval(background);
  clearInterval(prober);
  const elapsed = (performance.now() - started) / 1000;
  await Promise.allSettled([...posts]);
  watching = false;
  await watcher;
  stopProgress();
  const cpu1 = [cpuOf(ingests), cpuOf(workers)];
  return {
    rate,
    backgroundPerSecond: accepted / elapsed,
    backgroundFailed: failed,
    probes,
    latencies,
    acks,
    lost,
    ingestCores: ((cpu1[0] as number) - (cpu0[0] as number)) / elapsed,
    workerCores: ((cpu1[1] as number) - (cpu0[1] as number)) / elapsed,
  };
}

/** Removes what the run wrote to Redis: the site's keys and the `seen:` markers of its event ids. */
async function cleanRedis(redis: Redis): Promise<void> {
  const stream = redis.scanStream({ match: `${keys.base}*`, count: 1000 });
  for await (const batch of stream as AsyncIterable<string[]>) if (batch.length > 0) await redis.del(...batch);
  const root = rootOf('');
  for (let i = 0; i < sentIds.length; i += 1000) await redis.del(...sentIds.slice(i, i + 1000).map((eventId) => `${root}seen:${eventId}`));
}

async function main(): Promise<void> {
  const env = {
    PULSE_KAFKA_BROKERS: kafkaBrokers,
    PULSE_REDIS_URL: redisUrl,
    PULSE_SITES: site,
    // Topics and consumer group of its own: a backlog others left on the shared topics is not this run's latency.
    PULSE_TOPIC_PREFIX: topicPrefix,
    PULSE_RATE_LIMIT_PER_MINUTE: '0',
    PULSE_SITE_RATE_LIMIT_PER_MINUTE: '0',
  };
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const servers: ServerProcess[] = [];
  const results: RateResult[] = [];
  const memory: { process: string; mib: number }[] = [];
  try {
    console.error(`- starting ${INGEST_PROCESSES} \`pulse ingest\` and ${WORKER_PROCESSES} \`pulse worker realtime\``);
    const ingests: ServerProcess[] = [];
    const workers: ServerProcess[] = [];
    for (let i = 0; i < INGEST_PROCESSES; i += 1) ingests.push(await startServer('bin/pulse.js', ['ingest'], env));
    for (let i = 0; i < WORKER_PROCESSES; i += 1) workers.push(await startServer('bin/pulse.js', ['worker', 'realtime'], env));
    servers.push(...ingests, ...workers);
    await caughtUp(workers[0] as ServerProcess);
    if (WARMUP_SECONDS > 0) {
      console.error(`- warm-up (not counted)`);
      await measureRate(RATES[0] as number, WARMUP_SECONDS, ingests, workers, redis);
    }
    for (const rate of RATES) {
      console.error(`- ${rate} background events/s`);
      const result = await measureRate(rate, SECONDS, ingests, workers, redis);
      results.push(result);
      console.error(
        `  p50 ${dec(percentile(result.latencies, 50))} ms, p95 ${dec(percentile(result.latencies, 95))} ms, p99 ${dec(percentile(result.latencies, 99))} ms, lost ${result.lost}; ingest answered p50 ${dec(percentile(result.acks, 50))} ms, p99 ${dec(percentile(result.acks, 99))} ms`,
      );
      await sleep(500);
    }
    ingests.forEach((ingest, i) => memory.push({ process: `\`pulse ingest\` #${i + 1}`, mib: peakMemoryMiB(ingest.pid) }));
    workers.forEach((worker, i) => memory.push({ process: `\`pulse worker realtime\` #${i + 1}`, mib: peakMemoryMiB(worker.pid) }));
  } catch (error) {
    for (const server of servers) console.error(server.output());
    throw error;
  } finally {
    await stopAll(servers);
    await cleanRedis(redis).catch((error: unknown) => console.error(`could not remove the benchmark's Redis keys: ${String(error)}`));
    redis.disconnect();
  }
  await report(results, memory);
}

async function report(results: RateResult[], memory: { process: string; mib: number }[]): Promise<void> {
  const table = results
    .map((r) => {
      const q = (p: number) => dec(percentile(r.latencies, p));
      const p99 = percentile(r.latencies, 99);
      // Lost probes or a rate ingest did not accept in full would flatter the percentiles: not met.
      const share = r.backgroundPerSecond / r.rate;
      const met = p99 < P99_TARGET_MS && r.lost === 0 && share >= 0.95;
      const why = met ? '' : share < 0.95 ? ` (ingest took ${int(share * 100)}%)` : r.lost > 0 ? ' (probes lost)' : '';
      return `| ${int(r.rate)} | ${int(r.backgroundPerSecond)} | ${int(r.probes)} | ${q(50)} | ${q(95)} | ${q(99)} | < ${P99_TARGET_MS}: ${met ? 'met' : `**not met**${why}`} | ${dec(
        Math.max(...r.latencies),
      )} | ${int(r.lost)} | ${dec(percentile(r.acks, 50))} | ${dec(r.ingestCores, 2)} / ${dec(r.workerCores, 2)} |`;
    })
    .join('\n');
  const lost = results.reduce((sum, r) => sum + r.lost, 0);
  const failed = results.reduce((sum, r) => sum + r.backgroundFailed, 0);
  const all = results.flatMap((r) => r.latencies);
  const acks = results.flatMap((r) => r.acks);
  const scaled = INGEST_PROCESSES > 1 || WORKER_PROCESSES > 1;
  // A run with more processes has a section of its own, so the one-process figures stay beside it.
  await writeSection(
    scaled ? 'e2e-latency-scaled' : 'e2e-latency',
    `## End-to-end latency${scaled ? ` with ${INGEST_PROCESSES} ingest and ${WORKER_PROCESSES} worker processes` : ''}: ingest → Kafka → realtime worker → Redis

${INGEST_PROCESSES} \`pulse ingest\` and ${WORKER_PROCESSES} \`pulse worker realtime\` process(es) (Kafka 4.1 KRaft, Redis 7 from \`scripts/stack\`;
default settings: worker batches of up to 500; with more than one ingest process the posts go round-robin over them, as behind a
load balancer, and several workers share the partitions in one consumer group). At each background rate (page views from the load generator's plan; the events due are
posted together every ${TICK_MS} ms) a probe page view with a path of its own is posted every ${PROBE_MS} ms for ${SECONDS} s (after a
${WARMUP_SECONDS} s warm-up that is not counted). A probe's latency runs from the start of its POST until its path has a score in the
site's all-time top-pages sorted set in Redis (\`ZMSCORE\` of every waiting probe every ${POLL_MS} ms, so figures include up to about
${POLL_MS} ms of polling). A probe is lost when ingest refuses it or it is not visible within ${PROBE_TIMEOUT_MS / 1000} s.

- Date: ${today()}
- Machine: ${machine()}
- Command: \`npm run bench -- e2e-latency\` (stack up first; \`BENCH_RATES\` (events/s, comma-separated), \`BENCH_SECONDS\` per rate,
  \`BENCH_WARMUP_SECONDS\`, \`BENCH_PROBE_MS\`, \`BENCH_INGEST_PROCESSES\`, \`BENCH_WORKER_PROCESSES\` change the run)

Target (issue 14, 5): p99 < ${P99_TARGET_MS} ms at 5,000 and 20,000 events/s; a rate counts as met only with no probe lost and ≥ 95% of
its background accepted. The machine is shared with other engineers' work: read the CPU columns before the milliseconds.

| background events/s (target) | accepted events/s | probes | p50 ms | p95 ms | p99 ms | p99 target ms | max ms | lost | ingest answer p50 ms | CPU cores ingest / worker |
| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |
${table}

Peak memory (VmHWM from \`/proc/<pid>/status\`, over the whole run):

| process | peak RSS MiB |
| --- | ---: |
${memory.map((m) => `| ${m.process} | ${int(m.mib)} |`).join('\n')}

Reading: over all rates the median probe was visible in Redis ${dec(percentile(all, 50))} ms after its POST started (p99 ${dec(
      percentile(all, 99),
    )} ms).
Ingest itself answered 202 after a median ${dec(percentile(acks, 50))} ms (Kafka acks=all); the rest is the worker's fetch from Kafka, one Lua
script call per batch in Redis, and the commit. ${lost === 0 ? 'No probe was lost' : `${lost} probe(s) were lost`}${
      failed === 0 ? ' and every background event was accepted.' : `; ${int(failed)} background event(s) were not accepted.`
    }
The processes use topics and a consumer group of their own (\`PULSE_TOPIC_PREFIX=benchlat<id>.\`, 3 partitions a topic), so a
backlog other work left on the shared topics does not count as latency here.
`,
  );
  console.log(table);
}

await main();
