/**
 * Ingest HTTP throughput: `pulse ingest` (Kafka, acks=all) and `pulse start` (embedded) as real
 * processes, beside a bare Node.js `http` server answering 204, under the same autocannon load in
 * the same run: single-event POSTs and 50-event batch POSTs. Reports req/s, events/s, latency,
 * non-2xx answers, CPU and peak memory (VmHWM) of each server process, and for embedded mode how far
 * its in-process workers were behind when the load stopped and how long they took to catch up.
 */
import { Admin } from '@platformatic/kafka';
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topics } from '../src/bus/topics.ts';
import { createPlanner } from '../src/generator/plan.ts';
import { HTTP_TARGET_USER_AGENT, wireEvent } from '../src/generator/targets.ts';
import { kafkaBrokers } from '../test/helpers/services.ts';
import {
  cpuSeconds,
  dec,
  envNonNegative,
  envNumber,
  int,
  peakMemoryMiB,
  progress,
  sleep,
  startServer,
  stopAll,
  today,
  type ServerProcess,
} from './processes.ts';
import { machine, writeSection } from './report.ts';

const SECONDS = envNumber('BENCH_SECONDS', 10);
const WARMUP_SECONDS = envNonNegative('BENCH_WARMUP_SECONDS', 2);
const CONNECTIONS = envNumber('BENCH_CONNECTIONS', 50);
const DRAIN_SECONDS = envNumber('BENCH_DRAIN_SECONDS', 120);
const BATCH = 50;
/** Distinct bodies per load, cycled by every connection (different visitors and pages). */
const VARIANTS = 64;

const id = randomUUID().slice(0, 8);
const site = `benchhttp${id}`;
const topicPrefix = `bench-ingest-${id}-`;

interface Load {
  name: string;
  eventsPerRequest: number;
  bodies: string[];
}

interface Row {
  server: string;
  load: string;
  requestsPerSecond: number;
  eventsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** Cores the server process kept busy on average during the measured window. */
  cores: number;
}

interface Drain {
  load: string;
  events: number;
  lagAtEnd: string;
  drainSeconds: number | null;
}

/** Realistic page views (seed 002's generator plan), without event_id: ingest gives each accepted event a new one. */
function buildLoads(): Load[] {
  const planner = createPlanner(11, { site, idPrefix: `bh${id}`, users: 2000 });
  const now = new Date();
  const next = (): Record<string, unknown> => {
    for (;;) {
      const entry = planner.next();
      if (entry.invalid !== null || entry.duplicateOf !== null) continue;
      const event = wireEvent(entry, now) as Record<string, unknown>;
      delete event['event_id'];
      return event;
    }
  };
  return [
    { name: 'single event', eventsPerRequest: 1, bodies: Array.from({ length: VARIANTS }, () => JSON.stringify(next())) },
    {
      name: `batch of ${BATCH}`,
      eventsPerRequest: BATCH,
      bodies: Array.from({ length: VARIANTS }, () => JSON.stringify(Array.from({ length: BATCH }, next))),
    },
  ];
}

function cannon(base: string, load: Load, seconds: number, label: string): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    let responses = 0;
    const started = Date.now();
    const stop = progress(
      () => `${label}: ${Math.min(seconds, Math.round((Date.now() - started) / 1000))}/${seconds} s, ${int(responses)} answers`,
    );
    const instance = autocannon(
      {
        url: `${base}/api/events`,
        connections: CONNECTIONS,
        duration: seconds,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': HTTP_TARGET_USER_AGENT },
        requests: load.bodies.map((body) => ({ method: 'POST', path: '/api/events', body })),
      },
      (error, result) => {
        stop();
        if (error !== null && error !== undefined) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve(result);
      },
    );
    instance.on('response', () => (responses += 1));
  });
}

interface PipelineHealth {
  groups: { group: string; totalLag: number }[];
  error: string | null;
}

async function embeddedLag(base: string): Promise<PipelineHealth['groups']> {
  const health = (await (await fetch(`${base}/api/stats/pipeline`, { signal: AbortSignal.timeout(5000) })).json()) as PipelineHealth;
  if (health.error !== null) throw new Error(`pipeline health: ${health.error}`);
  return health.groups;
}

/** After a load on `pulse start`: how far behind its workers were, and how long until they caught up (bounded). */
async function drain(server: ServerProcess, load: Load, events: number): Promise<Drain> {
  const atEnd = await embeddedLag(server.base);
  const lagAtEnd = atEnd.map((g) => `${g.group.replace(/^pulse-/, '')} ${int(g.totalLag)}`).join(', ');
  const start = Date.now();
  let groups = atEnd;
  const stop = progress(() => `embedded workers catching up: ${groups.map((g) => `${g.group} ${g.totalLag}`).join(', ')}`);
  try {
    while (groups.some((g) => g.totalLag > 0)) {
      if (Date.now() - start > DRAIN_SECONDS * 1000) return { load: load.name, events, lagAtEnd, drainSeconds: null };
      await sleep(250);
      groups = await embeddedLag(server.base);
    }
  } finally {
    stop();
  }
  return { load: load.name, events, lagAtEnd, drainSeconds: (Date.now() - start) / 1000 };
}

async function deleteTopics(): Promise<void> {
  const admin = new Admin({ clientId: 'bench-ingest-cleanup', bootstrapBrokers: kafkaBrokers.split(',') });
  try {
    const names = Object.values(topics).flatMap((name) => [`${topicPrefix}${name}`, `${topicPrefix}${name}.dlq`]);
    const existing = new Set(await admin.listTopics());
    const mine = names.filter((name) => existing.has(name));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine });
  } finally {
    await admin.close();
  }
}

interface Target {
  label: string;
  start: () => Promise<ServerProcess>;
  embedded?: boolean;
}

async function main(): Promise<void> {
  const loads = buildLoads();
  const dataDir = await mkdtemp(join(tmpdir(), 'pulse-bench-embedded-'));
  const pulseEnv = { PULSE_SITES: site, PULSE_RATE_LIMIT_PER_MINUTE: '0', PULSE_SITE_RATE_LIMIT_PER_MINUTE: '0' };
  const targets: Target[] = [
    { label: 'bare Node.js http (204)', start: () => startServer('bench/bare-http-server.ts', [], {}) },
    {
      label: '`pulse ingest` (Kafka, acks=all)',
      start: () =>
        startServer('bench/isolated-pulse.ts', ['ingest'], {
          ...pulseEnv,
          PULSE_KAFKA_BROKERS: kafkaBrokers,
          BENCH_TOPIC_PREFIX: topicPrefix,
        }),
    },
    {
      label: '`pulse start` (embedded)',
      start: () => startServer('bin/pulse.js', ['start'], { ...pulseEnv, PULSE_DATA_DIR: dataDir }),
      embedded: true,
    },
  ];
  const rows: Row[] = [];
  const memory: { server: string; mib: number }[] = [];
  const drains: Drain[] = [];
  try {
    for (const target of targets) {
      console.error(`- ${target.label}`);
      const server = await target.start();
      try {
        for (const load of loads) {
          if (WARMUP_SECONDS > 0) await cannon(server.base, load, WARMUP_SECONDS, `warm-up, ${load.name}`);
          if (target.embedded === true) await drain(server, load, 0);
          const cpuBefore = cpuSeconds(server.pid);
          const result = await cannon(server.base, load, SECONDS, load.name);
          const cores = (cpuSeconds(server.pid) - cpuBefore) / result.duration;
          const row: Row = {
            server: target.label,
            load: load.name,
            requestsPerSecond: (result['2xx'] + result.non2xx) / result.duration,
            eventsPerSecond: (result['2xx'] * load.eventsPerRequest) / result.duration,
            p50: result.latency.p50,
            p99: result.latency.p99,
            non2xx: result.non2xx,
            errors: result.errors,
            cores,
          };
          rows.push(row);
          console.error(
            `  ${int(row.requestsPerSecond)} req/s, ${int(row.eventsPerSecond)} events/s, p50 ${row.p50} ms, p99 ${row.p99} ms, non-2xx ${row.non2xx}, errors ${row.errors}`,
          );
          if (target.embedded === true) drains.push(await drain(server, load, result['2xx'] * load.eventsPerRequest));
        }
        memory.push({ server: target.label, mib: peakMemoryMiB(server.pid) });
      } catch (error) {
        console.error(server.output());
        throw error;
      } finally {
        await stopAll([server]);
      }
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
    await deleteTopics().catch((error: unknown) =>
      console.error(`could not delete the benchmark topics ${topicPrefix}*: ${String(error)}`),
    );
  }
  await report(rows, memory, drains);
}

/** autocannon's latencies are whole milliseconds. */
const ms = (n: number): string => (n < 1 ? '< 1' : dec(n, 0));

async function report(rows: Row[], memory: { server: string; mib: number }[], drains: Drain[]): Promise<void> {
  const find = (server: string, load: string) => rows.find((r) => r.server.startsWith(server) && r.load.startsWith(load));
  const ratio = (a: Row | undefined, b: Row | undefined) =>
    a === undefined || b === undefined || b.requestsPerSecond === 0
      ? '—'
      : `${Math.round((a.requestsPerSecond / b.requestsPerSecond) * 100)}%`;
  const bareSingle = find('bare', 'single');
  const bareBatch = find('bare', 'batch');
  const ingestSingle = find('`pulse ingest`', 'single');
  const ingestBatch = find('`pulse ingest`', 'batch');
  const embeddedBatch = find('`pulse start`', 'batch');
  const table = rows
    .map(
      (r) =>
        `| ${r.server} | ${r.load} | ${int(r.requestsPerSecond)} | ${int(r.eventsPerSecond)} | ${ms(r.p50)} | ${ms(r.p99)} | ${int(r.non2xx)} | ${int(r.errors)} | ${dec(r.cores, 2)} |`,
    )
    .join('\n');
  const memoryTable = memory.map((m) => `| ${m.server} | ${int(m.mib)} |`).join('\n');
  const drainTable = drains
    .map(
      (d) =>
        `| ${d.load} | ${int(d.events)} | ${d.lagAtEnd} | ${d.drainSeconds === null ? `not within ${DRAIN_SECONDS} s` : `${dec(d.drainSeconds)} s`} | ${
          d.drainSeconds === null ? '—' : int(d.events / (SECONDS + d.drainSeconds))
        } |`,
    )
    .join('\n');
  await writeSection(
    'ingest-http',
    `## Ingest HTTP throughput

\`POST /api/events\` under the same autocannon load (${CONNECTIONS} connections, ${SECONDS} s per load after a ${WARMUP_SECONDS} s warm-up,
keep-alive, no pipelining) against three servers, each its own process, in the same run: a bare Node.js \`http\` server that reads
the body and answers 204 (\`bench/bare-http-server.ts\`), \`pulse ingest\` producing to Kafka (acks=all, idempotent; it answers
202 only after the broker acknowledged the request's events), and \`pulse start\` (embedded: the on-disk log, with the realtime
and PGlite warehouse workers running in the same process). Bodies are page views from the load generator's plan
(${VARIANTS} different bodies per load, without \`event_id\`, so every accepted event is new): one event, or a JSON array of ${BATCH}.

- Date: ${today()}
- Machine: ${machine()}
- Command: \`npm run bench -- ingest-http\` (stack up first: \`npm run stack -- up\`; \`BENCH_SECONDS\`, \`BENCH_WARMUP_SECONDS\`,
  \`BENCH_CONNECTIONS\` change the load)

| server | body | req/s | events/s | p50 ms | p99 ms | non-2xx | errors | server CPU (cores) |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${table}

Peak memory of each server process (VmHWM from \`/proc/<pid>/status\`, over its whole run; every process is Node.js running
TypeScript by type stripping, which costs about 18 MiB of that even for the bare server):

| process | peak RSS MiB |
| --- | ---: |
${memoryTable}

Embedded mode, sustained: how far its in-process consumer groups were behind when each load stopped, and how long they took
to catch up (events/s end to end = events accepted ÷ (load time + catch-up time)):

| load | events accepted | lag when the load stopped | caught up after | events/s end to end |
| --- | ---: | --- | ---: | ---: |
${drainTable}

Reading: \`pulse ingest\` answered ${ratio(ingestSingle, bareSingle)} of the bare server's request rate with single events and ${ratio(
      ingestBatch,
      bareBatch,
    )} with ${BATCH}-event
batches; the difference is Pulse's per-request work (JSON parsing, per-event validation and enrichment, Fastify) and waiting for
Kafka's acknowledgement before answering. Batching is what raises events/s (${int(ingestBatch?.eventsPerSecond ?? NaN)} vs ${int(
      ingestSingle?.eventsPerSecond ?? NaN,
    )} events/s through \`pulse ingest\`).
Embedded mode accepted ${int(embeddedBatch?.eventsPerSecond ?? NaN)} events/s in batches while its own workers competed for the
same CPU; the catch-up table shows what it can sustain once every event is also aggregated and stored.
autocannon runs in the benchmark's own process on the same machine, so on a small machine the bare server's figures are bounded
by the load tool as much as by the server. \`pulse ingest\` here writes to topics of its own (\`bench/isolated-pulse.ts\` prefixes
the topic names; they are deleted afterwards) so the load does not stay on the shared \`user-activity\` topic.
`,
  );
  console.log(table);
}

await main();
