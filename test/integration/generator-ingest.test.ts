import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Bus } from '../../src/bus/bus.ts';
import { createKafkaBus } from '../../src/bus/kafka/kafka-bus.ts';
import { dlqOf, ingestTopicSpecs, topics } from '../../src/bus/topics.ts';
import { expectedTotals } from '../helpers/generator-expected.ts';
import { planEvents } from '../../src/generator/plan.ts';
import { runGenerator } from '../../src/generator/run.ts';
import { buildIngestApp } from '../../src/ingest/ingest-app.ts';
import { createIngestMetrics } from '../../src/ingest/ingest-metrics.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { suiteConfig } from '../helpers/ingest-suite.ts';
import { endOffsets, readTopicSince } from '../helpers/read-topic.ts';
import { kafkaBrokers } from '../helpers/services.ts';
import { capturingLogger } from '../unit/generator/fakes.ts';
import { ingestSettings } from '../../src/config/ingest-settings.ts';
import { openGeneratorTarget } from '../../src/runtime/generator-target.ts';

let bus: Bus;
let app: FastifyInstance;
let base: string;
const config = suiteConfig({ PULSE_MAX_BATCH: '500', PULSE_KAFKA_BROKERS: kafkaBrokers });

before(async () => {
  bus = createKafkaBus({ brokers: kafkaBrokers.split(','), clientId: `test-gen-ingest-${randomUUID().slice(0, 8)}` });
  await bus.ensureTopics(ingestTopicSpecs(config));
  app = await buildIngestApp({
    bus,
    settings: ingestSettings(config),
    logger: createLogger('silent', 'test'),
    metrics: createIngestMetrics(),
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  await app.close();
  await bus.close();
});

test('pulse generate --target <ingest URL>: ingest on Kafka takes every valid event and repeat, dead-letters the invalid ones', async () => {
  const run = `it-http-${randomUUID().slice(0, 8)}`;
  const count = 1500;
  const plan = planEvents(12, count, { idPrefix: run });
  const totals = expectedTotals(plan);
  const since = await endOffsets(bus, topics.userActivity);
  const dlqSince = await endOffsets(bus, dlqOf(topics.userActivity));
  const final = await runGenerator(
    { target: base, seed: 12, plan: { idPrefix: run }, mode: 'regular', eps: 5000, count, strategy: 'batch', batchSize: 100 },
    { openTarget: (spec) => openGeneratorTarget(spec, { config, logger: capturingLogger().logger }), logger: capturingLogger().logger },
  );
  assert.deepEqual(
    { acked: final.acked, failed: final.failed, rejected: final.rejected, invalid: final.invalid, duplicates: final.duplicates },
    { acked: count, failed: 0, rejected: totals.invalid, invalid: totals.invalid, duplicates: totals.duplicates },
  );
  const accepted = (await readTopicSince(bus, topics.userActivity, since, totals.views + totals.duplicates, { settleMs: 500 }))
    .map((r) => JSON.parse(r.value.toString()) as { event_id: string; user_id: string; path: string; duration: number })
    .filter((e) => e.event_id.startsWith(`${run}-`));
  assert.deepEqual(
    accepted.map((e) => e.event_id).sort(),
    plan
      .filter((e) => e.invalid === null)
      .map((e) => e.event.event_id)
      .sort(),
  );
  assert.equal(new Set(accepted.map((e) => e.event_id)).size, totals.views, 'distinct event ids: the views the workers will count');

  // Refused events go to the DLQ with the reason; a cut-short record carries too little to name its run, the others name it.
  const dead = await readTopicSince(bus, dlqOf(topics.userActivity), dlqSince, totals.invalid, { settleMs: 500 });
  const cutShort = plan.filter((e) => e.invalid === 'not_json').length;
  assert.equal(dead.filter((r) => r.value.toString().includes(run)).length, totals.invalid - cutShort);
  assert.ok(dead.length >= totals.invalid);
  assert.ok(dead.every((r) => (r.headers['pulse-error'] ?? '') !== ''));
});
