import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createKafkaBus } from '../../src/bus/kafka/kafka-bus.ts';
import { ingestTopicSpecs, topicNames } from '../../src/bus/topics.ts';
import { loadConfig } from '../../src/config/config.ts';
import { ingestSettings } from '../../src/config/ingest-settings.ts';
import type { EnrichedEvent } from '../../src/contract/event-schema.ts';
import { buildIngestApp } from '../../src/ingest/ingest-app.ts';
import { createIngestMetrics } from '../../src/ingest/ingest-metrics.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { createRedisRealtimeStore } from '../../src/stores/realtime/redis/index.ts';
import { createPostgresWarehouse } from '../../src/stores/warehouse/postgres/index.ts';
import { CHROME_UA } from '../helpers/events.ts';
import { deleteKafkaTopics } from '../helpers/kafka-topics.ts';
import { startService, type PulseService } from '../helpers/pipeline.ts';
import { kafkaBrokers, postgresUrl, redisUrl, repoRoot, waitFor } from '../helpers/services.ts';

/**
 * The seeds' own clients, unchanged, against a real Pulse: seed 004's kafka-python producer writes
 * to Kafka itself (Pulse's bus adapter is not involved), seed 000's coordinates and seed 001's
 * button click are posted to ingest; the real realtime and PostgreSQL warehouse workers, on this
 * test's own topics (PULSE_TOPIC_PREFIX) and groups, count them in Redis and PostgreSQL.
 */

/** Seed 004's producer as the seed writes it; only the broker and the topic come from the command line. */
const seedProducer = `
import json
import sys

from kafka import KafkaProducer

bootstrap_servers, topic = sys.argv[1], sys.argv[2]
producer = KafkaProducer(bootstrap_servers=bootstrap_servers,
                         value_serializer=lambda v: json.dumps(v).encode('utf-8'))

event = {
    "user_id": 123,
    "action": "view",
    "page": "/home",
    "timestamp": "2023-10-01T12:00:00Z"
}
producer.send(topic, event)
producer.send(topic, {"user_id": 123, "action": "add_to_cart", "page": "/products/42", "timestamp": "2023-10-01T12:01:00Z"})
producer.send(topic, {"hello": "world"})
producer.flush()
`;

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${output}`)),
    );
  });
}

// Idempotent and cached under ~/.cache/pulse: a no-op once the virtualenv holds the pinned version.
before(() => run('bash', [join(repoRoot, 'scripts', 'kafka-python')]), { timeout: 300_000 });

const id = randomUUID().slice(0, 8);
const prefix = `seed${id}.`;
const site = `seed${id}`;
const topics = topicNames(prefix);
const config = loadConfig({ PULSE_TOPIC_PREFIX: prefix, PULSE_SITES: site, PULSE_PARTITIONS: '2' });
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

test(
  "seed 004's kafka-python producer, seed 000's coordinates and seed 001's click are counted live (Redis) and in history (PostgreSQL)",
  { timeout: 300_000 },
  async () => {
    const bus = createKafkaBus({ brokers: kafkaBrokers.split(','), clientId: `test-${id}` });
    cleanups.push(() => bus.close());
    // The seed creates its topic by hand (kafka-topics.sh) before producing; Pulse's topic specs stand in for that here.
    await bus.ensureTopics(ingestTopicSpecs(config));
    cleanups.push(() => deleteKafkaTopics(ingestTopicSpecs(config).map((spec) => spec.name)));

    const env = {
      PULSE_TOPIC_PREFIX: prefix,
      PULSE_DEFAULT_SITE: site,
      PULSE_REDIS_URL: redisUrl,
      PULSE_POSTGRES_URL: postgresUrl,
      PULSE_WORKER_BATCH: '50',
      PULSE_WAREHOUSE_BATCH: '50',
    };
    const workers: PulseService[] = [];
    cleanups.push(() => Promise.all(workers.map((worker) => worker.process.stop())));
    workers.push(await startService(['worker', 'realtime'], env), await startService(['worker', 'warehouse', '--sink', 'postgres'], env));

    const script = join(await mkdtemp(join(tmpdir(), 'pulse-seed-')), 'producer.py');
    cleanups.push(() => rm(join(script, '..'), { recursive: true, force: true }));
    await writeFile(script, seedProducer);
    await run('bash', [join(repoRoot, 'scripts', 'kafka-python'), script, kafkaBrokers.split(',')[0] ?? '', topics.userActivity]);

    // Ingest on the same topics: PULSE_DEFAULT_SITE is not in its settings yet, so its default is the first of PULSE_SITES (this site).
    const app = await buildIngestApp({
      bus,
      settings: ingestSettings(config),
      logger: createLogger('silent', 'test'),
      metrics: createIngestMetrics(),
    });
    cleanups.push(() => app.close());
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const coordinates = await post('/api/coordinates', { x: 120, y: 340, user_id: `mouse-${id}` });
    assert.deepEqual(coordinates, { status: 202, body: { accepted: 1, rejected: 0, errors: [] } }, "seed 000's coordinates");
    const click = await post('/api/events', {
      event_type: 'button_click',
      url: 'http://localhost:5000/',
      session_id: `click-${id}`,
      timestamp: new Date().toISOString(),
      data: { button_id: 'send' },
    });
    assert.deepEqual(click, { status: 202, body: { accepted: 1, rejected: 0, errors: [] } }, "seed 001's click");
    const neither = await post('/api/events', { hello: 'world' });
    assert.equal(neither.status, 400);
    assert.equal(
      neither.body['message'],
      'missing: type, site, user_id, session_id, url (type is one of page_view, click, form_submit, mouse_move, custom)',
    );

    const store = createRedisRealtimeStore({ url: redisUrl });
    cleanups.push(() => store.close());
    cleanups.push(() => Promise.all(['123', `mouse-${id}`, `click-${id}`].map((user) => store.forgetUser(site, user))));
    const live = await waitFor(
      async () => {
        const snapshot = await store.snapshot(site, Date.now());
        return snapshot.feed.length >= 3 ? snapshot : undefined;
      },
      'the live figures',
      120_000,
    );
    assert.deepEqual(live.topPages, [{ path: '/home', views: 1 }], "seed 004's view of /home");
    assert.deepEqual(
      live.feed.map((item) => [item.type, item.user_id, item.path, item.label]).sort(),
      [
        ['click', `click-${id}`, '/', null],
        ['custom', '123', '/products/42', 'add_to_cart'],
        ['page_view', '123', '/home', null],
      ].sort(),
    );
    assert.equal(live.activeUsers, 3, 'the producer’s user, the clicking one and the moving one');
    const positions = await store.lastPositions(site, '/', Date.now());
    assert.deepEqual(
      positions.map((p) => [p.user_id, p.x, p.y]),
      [[`mouse-${id}`, 120, 340]],
      "seed 000's cursor",
    );

    const warehouse = createPostgresWarehouse({ url: postgresUrl });
    cleanups.push(() => warehouse.close());
    cleanups.push(() => Promise.all(['123', `click-${id}`].map((user) => warehouse.forgetUser(site, user))));
    const stored = await waitFor(
      async () => {
        const rows: EnrichedEvent[] = [];
        for await (const page of warehouse.exportEvents({ from: 0, to: Date.now() + 3_600_000, site })) rows.push(...page);
        return rows.length >= 3 ? rows : undefined;
      },
      'the warehouse rows',
      120_000,
    );
    const byType = new Map(stored.map((event) => [event.type, event]));
    assert.deepEqual([...byType.keys()].sort(), ['click', 'custom', 'page_view']);
    const view = byType.get('page_view');
    assert.deepEqual(
      [view?.user_id, view?.site, view?.path, view?.ts === undefined ? undefined : Date.parse(view.ts)],
      ['123', site, '/home', Date.parse('2023-10-01T12:00:00Z')],
    );
    const custom = byType.get('custom');
    assert.equal(custom?.type === 'custom' ? custom.name : undefined, 'add_to_cart');
    assert.equal(stored.length, 3, 'each once');

    const errors = await waitFor(async () => {
      const all = await warehouse.readErrors();
      const ours = all.filter((e) => e.topic === topics.userActivity);
      return ours.length > 0 ? ours : undefined;
    }, 'the dead-lettered record');
    assert.deepEqual(
      errors.map((e) => e.reason),
      ['missing: type, site, user_id, session_id, url (type is one of page_view, click, form_submit, mouse_move, custom)'],
    );
  },
);
