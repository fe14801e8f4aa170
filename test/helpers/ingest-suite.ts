import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Bus, BusRecord } from '../../src/bus/bus.ts';
import { partitionForKey } from '../../src/bus/partitioner.ts';
import { ingestTopicSpecs } from '../../src/bus/topics.ts';
import { loadConfig } from '../../src/config/config.ts';
import { buildIngestApp } from '../../src/ingest/ingest-app.ts';
import { createIngestMetrics } from '../../src/ingest/ingest-metrics.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { CHROME_UA, pageView } from './events.ts';
import { endOffsets, readTopicSince } from './read-topic.ts';
import { ingestSettings } from '../../src/config/ingest-settings.ts';

/** Keeps the records of one test's visitor: the topics are shared with other writers. */
const byUser = (event: Record<string, unknown>) => (record: BusRecord) => record.key === event['user_id'];

export const suiteConfig = (extra: Record<string, string> = {}) =>
  loadConfig({
    PULSE_SITES: 'demo,shop',
    PULSE_MAX_BATCH: '50',
    PULSE_MAX_BODY_BYTES: '65536',
    PULSE_LOG_LEVEL: 'silent',
    PULSE_RATE_LIMIT_PER_MINUTE: '0',
    PULSE_PRODUCE_TIMEOUT_MS: '3000',
    ...extra,
  });

/**
 * The ingest contract, written once and run over each Bus adapter: what the
 * embedded log accepts and refuses, Kafka accepts and refuses the same way.
 */
export function defineIngestSuite(name: string, makeBus: () => Promise<{ bus: Bus; cleanup: () => Promise<void> }>): void {
  describe(name, () => {
    let bus: Bus;
    let cleanup: () => Promise<void>;
    let app: FastifyInstance;
    let partitions: number;
    const config = suiteConfig();

    before(async () => {
      ({ bus, cleanup } = await makeBus());
      await bus.ensureTopics(ingestTopicSpecs(config));
      partitions = (await bus.listTopics()).find((t) => t.name === 'user-activity')?.partitions.length ?? 0;
      app = await buildIngestApp({
        bus,
        settings: ingestSettings(config),
        logger: createLogger('silent', 'test'),
        metrics: createIngestMetrics(),
      });
    });
    after(async () => {
      await app.close();
      await cleanup();
    });

    const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
      app.inject({
        method: 'POST',
        url,
        payload: payload as string,
        headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA, ...headers },
      });

    test('a page view is acknowledged and lands enriched in user-activity, keyed and partitioned by user id', async () => {
      const since = await endOffsets(bus, 'user-activity');
      const event = pageView();
      const response = await post('/api/events', event, { 'x-test': '1' });
      assert.equal(response.statusCode, 202, response.body);
      assert.deepEqual(response.json(), { accepted: 1, rejected: 0, errors: [] });

      const [record, ...extra] = await readTopicSince(bus, 'user-activity', since, 1, { only: byUser(event) });
      assert.ok(record, 'record arrived');
      assert.equal(extra.length, 0);
      assert.equal(record.key, event['user_id']);
      assert.equal(record.partition, partitionForKey(String(event['user_id']), partitions));
      assert.equal(record.headers['event-type'], 'page_view');
      const value = JSON.parse(record.value.toString()) as Record<string, unknown>;
      assert.equal(record.headers['event-id'], value['event_id']);
      assert.match(String(value['event_id']), /^[0-9a-f-]{36}$/);
      assert.equal(value['v'], 1);
      assert.equal(value['user_id'], event['user_id']);
      assert.equal(value['browser'], 'Chrome');
      assert.equal(value['os'], 'Linux');
      assert.equal(value['device'], 'desktop');
      assert.equal(value['is_bot'], false);
      assert.equal(value['host'], 'shop.example');
      assert.equal(value['path'], '/products/42');
      assert.equal(value['referrer_host'], 'www.google.com');
      assert.equal(value['utm_source'], 'newsletter');
      assert.equal(value['utm_medium'], 'email');
      assert.equal(value['utm_campaign'], 'spring');
      assert.equal(value['utm_term'], null);
      assert.equal(value['ip'], '127.0.0.1');
      assert.ok(Math.abs(Date.parse(String(value['received_at'])) - Date.now()) < 60_000);
    });

    test('a client event_id is kept, unknown top-level fields are dropped', async () => {
      const since = await endOffsets(bus, 'user-activity');
      const eventId = `evt-${randomUUID()}`;
      const event = pageView({ event_id: eventId, surprise: 'field' });
      const response = await post('/api/events', event);
      assert.equal(response.statusCode, 202);
      const [record] = await readTopicSince(bus, 'user-activity', since, 1, { only: byUser(event) });
      const value = JSON.parse(String(record?.value)) as Record<string, unknown>;
      assert.equal(value['event_id'], eventId);
      assert.equal('surprise' in value, false);
    });

    test('coordinates without a type go to mouse-coordinates; sendBeacon text/plain bodies are accepted', async () => {
      const since = await endOffsets(bus, 'mouse-coordinates');
      const move = {
        site: 'demo',
        user_id: `u-${randomUUID()}`,
        session_id: 's1',
        url: 'https://shop.example/',
        x: 120,
        y: 340,
        viewport_w: 1280,
        viewport_h: 800,
      };
      const response = await post('/api/coordinates', JSON.stringify([move, { ...move, x: 121 }]), {
        'content-type': 'text/plain;charset=UTF-8',
      });
      assert.equal(response.statusCode, 202, response.body);
      const records = await readTopicSince(bus, 'mouse-coordinates', since, 2, { only: (r) => r.key === move.user_id });
      assert.deepEqual(records.map((r) => (JSON.parse(r.value.toString()) as { type: string; x: number }).x).sort(), [120, 121]);
      assert.ok(records.every((r) => r.key === move.user_id && r.headers['event-type'] === 'mouse_move'));
    });

    test('a batch with one invalid event accepts the rest and sends the invalid one to the DLQ with its reason', async () => {
      const since = await endOffsets(bus, 'user-activity');
      const dlqSince = await endOffsets(bus, 'user-activity.dlq');
      const bad = pageView({ duration: 'long' });
      const good = [pageView(), pageView({ type: 'click', selector: '#buy' })];
      const response = await post('/api/events', [good[0], bad, good[1]]);
      assert.equal(response.statusCode, 202);
      assert.deepEqual(response.json(), { accepted: 2, rejected: 1, errors: [{ index: 1, reason: 'field "duration" must be number' }] });
      const ours = (r: BusRecord) => good.some((e) => byUser(e)(r));
      assert.equal((await readTopicSince(bus, 'user-activity', since, 2, { only: ours })).length, 2);
      const dead = await readTopicSince(bus, 'user-activity.dlq', dlqSince, 1, { only: byUser(bad) });
      assert.equal(dead.length, 1);
      assert.equal(dead[0]?.headers['pulse-error'], 'field "duration" must be number');
      assert.equal(dead[0]?.headers['pulse-source'], '/api/events');
      assert.equal((JSON.parse(String(dead[0]?.value)) as { user_id: string }).user_id, bad['user_id']);
      assert.equal(dead[0]?.key, bad['user_id']);
    });

    test('bad input gets a 4xx with a clear message and the process keeps serving', async () => {
      const malformed = await post('/api/events', '{"type": "page_view", ');
      assert.equal(malformed.statusCode, 400);
      assert.equal(malformed.json().error, 'malformed_json');
      assert.match(malformed.json().message, /JSON/);

      const wrongType = await post('/api/coordinates', {
        site: 'demo',
        user_id: 'u',
        session_id: 's',
        url: 'https://a.example/',
        x: 'left',
        y: 3,
      });
      assert.equal(wrongType.statusCode, 400);
      assert.equal(wrongType.json().message, 'field "x" must be number');

      const unknownType = await post('/api/events', pageView({ type: 'purchase' }));
      assert.equal(unknownType.statusCode, 400);
      assert.match(unknownType.json().message, /unknown event type "purchase"; expected one of page_view, click/);

      const missing = await post('/api/events', { type: 'click', site: 'demo', url: 'https://a.example/' });
      assert.equal(missing.statusCode, 400);
      assert.match(missing.json().message, /missing required field "user_id"/);

      const notUrl = await post('/api/events', pageView({ url: 'not a url' }));
      assert.equal(notUrl.statusCode, 400);
      assert.match(notUrl.json().message, /field "url" must match format "uri"/);

      const oversized = await post('/api/events', pageView({ props: { blob: 'x'.repeat(70_000) } }));
      assert.equal(oversized.statusCode, 413);
      assert.equal(oversized.json().error, 'body_too_large');

      const tooMany = await post(
        '/api/events',
        Array.from({ length: 51 }, () => pageView()),
      );
      assert.equal(tooMany.statusCode, 413);
      assert.match(tooMany.json().message, /at most 50 events/);

      const empty = await post('/api/events', []);
      assert.equal(empty.statusCode, 400);

      const xml = await app.inject({
        method: 'POST',
        url: '/api/events',
        payload: '<event/>',
        headers: { 'content-type': 'application/xml' },
      });
      assert.equal(xml.statusCode, 415);

      const health = await app.inject({ method: 'GET', url: '/health' });
      assert.equal(health.statusCode, 200);
      assert.equal((await post('/api/events', pageView())).statusCode, 202);
    });

    test('an unknown site key is refused with 403 and nothing reaches a topic', async () => {
      const dlqSince = await endOffsets(bus, 'user-activity.dlq');
      const stranger = pageView({ site: 'stranger' });
      const response = await post('/api/events', stranger);
      assert.equal(response.statusCode, 403);
      assert.equal(response.json().message, 'unknown site key "stranger"');
      assert.equal((await readTopicSince(bus, 'user-activity.dlq', dlqSince, 0, { settleMs: 300, only: byUser(stranger) })).length, 0);
    });

    test('bots are flagged and /metrics counts accepted and rejected events', async () => {
      const since = await endOffsets(bus, 'user-activity');
      const event = pageView();
      await post('/api/events', event, { 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' });
      const [record] = await readTopicSince(bus, 'user-activity', since, 1, { only: byUser(event) });
      assert.equal((JSON.parse(String(record?.value)) as { is_bot: boolean }).is_bot, true);

      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      const accepted = Number(/pulse_ingest_events_accepted_total\{topic="user-activity"\} (\d+)/.exec(metrics)?.[1]);
      assert.ok(accepted >= 6, `accepted counter ${accepted}`);
      assert.match(metrics, /pulse_ingest_events_rejected_total\{reason="invalid"\} [1-9]/);
      assert.match(metrics, /pulse_ingest_produce_duration_seconds_bucket/);
    });

    test('the OpenAPI document describes every route', async () => {
      const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as { openapi: string; paths: Record<string, unknown> };
      assert.match(doc.openapi, /^3\./);
      for (const path of ['/api/events', '/api/coordinates', '/health', '/ready', '/metrics']) assert.ok(path in doc.paths, path);
    });

    test('/ready reports the bus as reachable', async () => {
      const ready = await app.inject({ method: 'GET', url: '/ready' });
      assert.equal(ready.statusCode, 200);
      assert.equal(ready.json().bus, bus.kind);
    });
  });
}
