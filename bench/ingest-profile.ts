/**
 * Where `pulse ingest`'s CPU goes: runs it (Kafka, acks=all, topics of its own) under
 * `node --cpu-prof`, posts 50-event batches with autocannon as bench/ingest-http.ts does, stops it,
 * and prints a summary of the measured window of the profile (bench/cpu-profile.ts). Not part of
 * `npm run bench`: run `node bench/ingest-profile.ts [out.md]` by hand (stack up first);
 * BENCH_SECONDS, BENCH_CONNECTIONS change the load.
 */
import { Admin } from '@platformatic/kafka';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topics } from '../src/bus/topics.ts';
import { kafkaBrokers } from '../test/helpers/services.ts';
import { profileMarkdown, readProfile, summarise } from './cpu-profile.ts';
import { collectBodies, postLoad } from './ingest-load.ts';
import { cpuSeconds, envNumber, int, startServer } from './processes.ts';

const SECONDS = envNumber('BENCH_SECONDS', 15);
const CONNECTIONS = envNumber('BENCH_CONNECTIONS', 50);
const BATCH = 50;

const id = randomUUID().slice(0, 8);
const site = `benchprof${id}`;
const topicPrefix = `bench-profile-${id}-`;

async function deleteTopics(): Promise<void> {
  const admin = new Admin({ clientId: 'bench-profile-cleanup', bootstrapBrokers: kafkaBrokers.split(',') });
  try {
    const existing = new Set(await admin.listTopics());
    const mine = Object.values(topics)
      .flatMap((name) => [`${topicPrefix}${name}`, `${topicPrefix}${name}.dlq`])
      .filter((name) => existing.has(name));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine });
  } finally {
    await admin.close();
  }
}

async function main(): Promise<void> {
  const out = process.argv[2];
  const dir = await mkdtemp(join(tmpdir(), 'pulse-ingest-profile-'));
  const bodies = collectBodies(site, `bp${id}`, BATCH, 64);
  try {
    const server = await startServer('bench/isolated-pulse.ts', ['ingest'], {
      PULSE_SITES: site,
      PULSE_RATE_LIMIT_PER_MINUTE: '0',
      PULSE_SITE_RATE_LIMIT_PER_MINUTE: '0',
      PULSE_KAFKA_BROKERS: kafkaBrokers,
      BENCH_TOPIC_PREFIX: topicPrefix,
      NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir} --cpu-prof-interval=200`,
    });
    await postLoad(server.base, bodies, { seconds: 3, connections: CONNECTIONS, label: 'warm-up' });
    const cpuBefore = cpuSeconds(server.pid);
    const result = await postLoad(server.base, bodies, { seconds: SECONDS, connections: CONNECTIONS, label: 'batches of 50' });
    const cpu = cpuSeconds(server.pid) - cpuBefore;
    const loadEnded = performance.now();
    await server.stop();
    const stopUs = (performance.now() - loadEnded) * 1000;
    const events = result['2xx'] * BATCH;
    const file = (await readdir(dir)).find((name) => name.endsWith('.cpuprofile'));
    if (file === undefined) throw new Error(`no CPU profile was written in ${dir}:\n${server.output()}`);
    const summary = summarise(await readProfile(join(dir, file)), {
      window: { endsBeforeEndUs: stopUs, lengthUs: result.duration * 1e6 },
    });
    const text = `\`pulse ingest\`, ${SECONDS} s of ${BATCH}-event batches over ${CONNECTIONS} connections: ${int(events / result.duration)} events/s, non-2xx ${result.non2xx}, ${((cpu / events) * 1e6).toFixed(1)} CPU µs per event (${(cpu / result.duration).toFixed(2)} cores).

${profileMarkdown(summary)}`;
    if (out === undefined) console.log(text);
    else {
      await writeFile(out, text);
      await copyFile(join(dir, file), out.replace(/(\.md)?$/, '.cpuprofile')); // for a closer look (Chrome DevTools, speedscope)
    }
    console.error(`${int(events / result.duration)} events/s, ${((cpu / events) * 1e6).toFixed(1)} CPU µs/event`);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await deleteTopics().catch((error: unknown) => console.error(`could not delete ${topicPrefix}*: ${String(error)}`));
  }
}

await main();
