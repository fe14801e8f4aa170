import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Bus } from '../../src/bus/bus.ts';
import { createKafkaBus } from '../../src/bus/kafka/kafka-bus.ts';
import { partitionForKey } from '../../src/bus/partitioner.ts';
import { ingestTopicSpecs } from '../../src/bus/topics.ts';
import { buildIngestApp } from '../../src/ingest/ingest-app.ts';
import { createIngestMetrics } from '../../src/ingest/ingest-metrics.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { CHROME_UA, pageView } from '../helpers/events.ts';
import { defineIngestSuite, suiteConfig } from '../helpers/ingest-suite.ts';
import { endOffsets, readTopicSince } from '../helpers/read-topic.ts';
import { kafkaBrokers, stack } from '../helpers/services.ts';
import { ingestSettings } from '../../src/config/ingest-settings.ts';

const newBus = (): Bus => createKafkaBus({ brokers: kafkaBrokers.split(','), clientId: `test-${randomUUID().slice(0, 8)}` });

defineIngestSuite('ingest over Apache Kafka', async () => {
  const bus = newBus();
  return { bus, cleanup: () => bus.close() };
});

describe('distributed ingest on a real broker', () => {
  let bus: Bus;
  let base: string;
  let close: () => Promise<void>;

  before(async () => {
    bus = newBus();
    const config = suiteConfig({ PULSE_MAX_BATCH: '500', PULSE_PRODUCE_TIMEOUT_MS: '3000' });
    await bus.ensureTopics(ingestTopicSpecs(config));
    const app = await buildIngestApp({
      bus,
      settings: ingestSettings(config),
      logger: createLogger('silent', 'test'),
      metrics: createIngestMetrics(),
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    close = async () => {
      await app.close();
      await bus.close();
    };
  });
  after(() => close());

  const post = (body: unknown) =>
    fetch(`${base}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA },
      body: JSON.stringify(body),
    });

  test('1,000 events POSTed over HTTP are read back from user-activity exactly once, enriched and keyed', async () => {
    const since = await endOffsets(bus, 'user-activity');
    const partitions = since.size;
    const users = Array.from({ length: 100 }, (_, i) => `load-${i}-${randomUUID().slice(0, 8)}`);
    const events = Array.from({ length: 1000 }, (_, i) => pageView({ user_id: users[i % users.length], event_id: `e-${randomUUID()}` }));

    // Half as single requests (20 at a time), half as batches of 50.
    const singles = events.slice(0, 500);
    for (let i = 0; i < singles.length; i += 20) {
      const responses = await Promise.all(singles.slice(i, i + 20).map((e) => post(e)));
      assert.ok(responses.every((r) => r.status === 202));
    }
    for (let i = 500; i < 1000; i += 50) {
      const response = await post(events.slice(i, i + 50));
      assert.equal(response.status, 202);
      assert.equal(((await response.json()) as { accepted: number }).accepted, 50);
    }

    const records = await readTopicSince(bus, 'user-activity', since, 1000, { settleMs: 2000 });
    const ours = records.filter((r) => users.includes(r.key ?? ''));
    assert.equal(ours.length, 1000, 'every event once, none twice');
    const ids = new Set(ours.map((r) => (JSON.parse(r.value.toString()) as { event_id: string }).event_id));
    assert.deepEqual(ids, new Set(events.map((e) => e['event_id'])));
    for (const record of ours) {
      const value = JSON.parse(record.value.toString()) as Record<string, unknown>;
      assert.equal(record.key, value['user_id']);
      assert.equal(record.partition, partitionForKey(String(value['user_id']), partitions));
      assert.equal(value['browser'], 'Chrome');
      assert.equal(value['path'], '/products/42');
      assert.equal(value['utm_source'], 'newsletter');
      assert.equal(typeof value['received_at'], 'string');
    }
  });

  test(
    'with the broker stopped ingest answers 503; every event answered 2xx is in the topic after restart',
    { timeout: 240_000 },
    async () => {
      const since = await endOffsets(bus, 'user-activity');
      const user = `fault-${randomUUID().slice(0, 8)}`;
      const acknowledged: string[] = [];
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      let running = true;

      // A steady client: one event at a time, as a tracker would send them.
      const client = (async () => {
        while (running) {
          const eventId = `f-${randomUUID()}`;
          const response = await post(pageView({ user_id: user, event_id: eventId })).catch(() => undefined);
          if (response === undefined) continue;
          statuses.push(response.status);
          if (response.status === 202) acknowledged.push(eventId);
          if (response.status === 503) retryAfter = response.headers.get('retry-after');
          await response.arrayBuffer();
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();

      try {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        await stack('down', 'kafka');
        const downAt = statuses.length;
        await new Promise((resolve) => setTimeout(resolve, 8000));
        assert.ok(statuses.slice(downAt).includes(503), `503 while the broker is down (saw ${statuses.slice(downAt).join(',')})`);
      } finally {
        await stack('up', 'kafka');
      }
      // Keep sending until the producer has recovered and acknowledged again.
      const ackedBeforeRestart = acknowledged.length;
      const deadline = Date.now() + 90_000;
      while (acknowledged.length < ackedBeforeRestart + 20 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 200));
      running = false;
      await client;

      assert.ok(acknowledged.length >= ackedBeforeRestart + 20, 'ingest recovered after the broker came back');
      assert.equal(retryAfter, '3');
      assert.ok(
        statuses.every((s) => s === 202 || s === 503),
        `only 202 or 503: ${[...new Set(statuses)].join(',')}`,
      );

      const records = await readTopicSince(bus, 'user-activity', since, acknowledged.length, { timeoutMs: 60_000, settleMs: 2000 });
      const inTopic = new Set(
        records.filter((r) => r.key === user).map((r) => (JSON.parse(r.value.toString()) as { event_id: string }).event_id),
      );
      const lost = acknowledged.filter((id) => !inTopic.has(id));
      assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.length} acknowledged events missing`);
    },
  );
});
