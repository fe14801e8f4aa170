import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Bus } from '../../../src/bus/bus.ts';
import { ingestTopicSpecs } from '../../../src/bus/topics.ts';
import { ingestSettings } from '../../../src/config/ingest-settings.ts';
import { buildIngestApp } from '../../../src/ingest/ingest-app.ts';
import { createIngestMetrics, rejectReasons, type IngestMetrics } from '../../../src/ingest/ingest-metrics.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { openBus } from '../../helpers/embedded-bus.ts';
import { CHROME_UA, pageView } from '../../helpers/events.ts';
import { suiteConfig } from '../../helpers/ingest-suite.ts';

const config = suiteConfig({ PULSE_MAX_BATCH: '3', PULSE_CORS_ORIGINS: 'https://shop.example', PULSE_SITES: 'demo' });

async function ingest(
  t: TestContext,
  bus?: Bus,
): Promise<{ post: (body: unknown, headers?: object) => Promise<number>; metrics: IngestMetrics; get: (url: string) => Promise<number> }> {
  const used = bus ?? (await openBus(t));
  await used.ensureTopics(ingestTopicSpecs(config));
  const metrics = createIngestMetrics();
  const app = await buildIngestApp({ bus: used, settings: ingestSettings(config), logger: createLogger('silent', 'test'), metrics });
  t.after(() => app.close());
  return {
    metrics,
    post: async (body, headers = {}) =>
      (
        await app.inject({
          method: 'POST',
          url: '/api/events',
          payload: JSON.stringify(body),
          headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA, ...headers },
        })
      ).statusCode,
    get: async (url) => (await app.inject({ method: 'GET', url })).statusCode,
  };
}

async function valuesOf(metrics: IngestMetrics, name: string): Promise<Record<string, number>> {
  const metric = metrics.registry.getSingleMetric(name);
  assert.ok(metric !== undefined, name);
  return Object.fromEntries(
    (await metric.get()).values.map((v) => [
      Object.values(v.labels)
        .map((l) => String(l))
        .join(' '),
      v.value,
    ]),
  );
}

test('ingest counts requests by route pattern and status, events accepted by topic and rejected by a bounded set of reasons, DLQ records by topic', async (t) => {
  const { post, get, metrics } = await ingest(t);
  assert.deepEqual(await valuesOf(metrics, 'pulse_ingest_events_rejected_total'), Object.fromEntries(rejectReasons.map((r) => [r, 0])));
  assert.deepEqual(await valuesOf(metrics, 'pulse_dlq_records_total'), { 'user-activity.dlq': 0, 'mouse-coordinates.dlq': 0 });

  assert.equal(await post([pageView(), pageView(), { type: 'page_view', site: 'demo' }]), 202);
  assert.equal(await post([pageView({ site: 'elsewhere' })]), 403);
  assert.equal(await post([pageView(), pageView(), pageView(), pageView()]), 413);
  assert.equal(await post([pageView(), pageView()], { origin: 'https://evil.example' }), 403);
  assert.equal(await get('/health'), 200);
  assert.equal(await get('/no/such/page?user=alice'), 404);

  assert.deepEqual(await valuesOf(metrics, 'pulse_ingest_events_rejected_total'), {
    invalid: 1,
    unknown_site: 1,
    unavailable: 0,
    batch_too_large: 4,
    origin_not_allowed: 2,
  });
  assert.deepEqual(await valuesOf(metrics, 'pulse_ingest_events_accepted_total'), { 'user-activity': 2, 'mouse-coordinates': 0 });
  assert.deepEqual(await valuesOf(metrics, 'pulse_dlq_records_total'), { 'user-activity.dlq': 1, 'mouse-coordinates.dlq': 0 });
  assert.deepEqual(await valuesOf(metrics, 'pulse_ingest_requests_total'), {
    '/api/events 202': 1,
    '/api/events 403': 2,
    '/api/events 413': 1,
    '/health 200': 1,
    'unmatched 404': 1,
  });
});

test('events the bus does not acknowledge are counted as unavailable (the valid ones, not their DLQ records)', async (t) => {
  const real = await openBus(t);
  const down: Bus = Object.assign(Object.create(real) as Bus, {
    produce: async () => {
      throw new Error('broker gone');
    },
  });
  const { post, metrics } = await ingest(t, down);
  assert.equal(await post([pageView(), pageView(), { type: 'page_view' }]), 503);
  const rejected = await valuesOf(metrics, 'pulse_ingest_events_rejected_total');
  assert.equal(rejected['unavailable'], 2);
  assert.equal(rejected['invalid'], 1);
  const produced = (await metrics.registry.getSingleMetric('pulse_ingest_produce_duration_seconds')?.get())?.values ?? [];
  assert.equal(
    produced.find((v) => (v as { metricName?: string }).metricName === 'pulse_ingest_produce_duration_seconds_count')?.labels['outcome'],
    'error',
  );
});
