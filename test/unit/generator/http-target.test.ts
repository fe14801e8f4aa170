import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Bus } from '../../../src/bus/bus.ts';
import { createEmbeddedBus } from '../../../src/bus/embedded/embedded-bus.ts';
import { ingestTopicSpecs } from '../../../src/bus/topics.ts';
import { createVirtualClock, systemClock } from '../../../src/generator/clock.ts';
import { createLoadGenerator } from '../../../src/generator/generator.ts';
import { planEvents } from '../../../src/generator/plan.ts';
import { createHttpTarget, eventsEndpoint } from '../../../src/generator/targets.ts';
import { buildIngestApp } from '../../../src/ingest/ingest-app.ts';
import { createIngestMetrics } from '../../../src/ingest/ingest-metrics.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { suiteConfig } from '../../helpers/ingest-suite.ts';
import { endOffsets, readTopicSince } from '../../helpers/read-topic.ts';
import { capturingLogger } from './fakes.ts';
import { ingestSettings } from '../../../src/config/ingest-settings.ts';

test('the ingest URL: a base URL gets /api/events, a path is kept', () => {
  assert.equal(eventsEndpoint('http://127.0.0.1:8080'), 'http://127.0.0.1:8080/api/events');
  assert.equal(eventsEndpoint('http://127.0.0.1:8080/'), 'http://127.0.0.1:8080/api/events');
  assert.equal(eventsEndpoint('https://pulse.example/c'), 'https://pulse.example/c');
  assert.throws(() => eventsEndpoint('ftp://x'), /http/);
});

describe('HTTP target → ingest (embedded bus)', () => {
  let dir: string;
  let bus: Bus;
  let app: FastifyInstance;
  let base: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-generator-'));
    bus = await createEmbeddedBus({ dir });
    const config = suiteConfig({ PULSE_MAX_BATCH: '500' });
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
    await rm(dir, { recursive: true, force: true });
  });

  for (const strategy of ['batch', 'async', 'sync'] as const) {
    test(`${strategy}: valid events and repeats reach user-activity, invalid ones the DLQ, as planned`, async () => {
      const count = strategy === 'batch' ? 600 : 150;
      const idPrefix = `http-${strategy}`;
      const plan = planEvents(31, count, { idPrefix });
      const since = await endOffsets(bus, 'user-activity');
      const dlqSince = await endOffsets(bus, 'user-activity.dlq');
      const generator = createLoadGenerator(
        { seed: 31, plan: { idPrefix }, mode: 'regular', eps: 3000, count, strategy, batchSize: 50 },
        { target: createHttpTarget({ url: base }), logger: capturingLogger().logger, clock: systemClock },
      );
      const final = await generator.run();
      const invalid = plan.filter((e) => e.invalid !== null);
      assert.deepEqual(
        { acked: final.acked, failed: final.failed, rejected: final.rejected },
        { acked: count, failed: 0, rejected: invalid.length },
      );

      const accepted = await readTopicSince(bus, 'user-activity', since, count - invalid.length, { settleMs: 300 });
      const ids = accepted.map((r) => (JSON.parse(r.value.toString()) as { event_id: string }).event_id).sort();
      assert.deepEqual(
        ids,
        plan
          .filter((e) => e.invalid === null)
          .map((e) => e.event.event_id)
          .sort(),
        'every valid event once, every repeat again with the same event_id',
      );
      const values = accepted.map((r) => JSON.parse(r.value.toString()) as Record<string, unknown>);
      const first = plan.find((e) => e.invalid === null && e.duplicateOf === null);
      const stored = values.find((v) => v['event_id'] === first?.event.event_id);
      assert.deepEqual(
        { ...first?.event },
        Object.fromEntries(Object.keys(first?.event ?? {}).map((k) => [k, stored?.[k]])),
        'the event as planned',
      );
      assert.equal(stored?.['is_bot'], false);
      const dead = await readTopicSince(bus, 'user-activity.dlq', dlqSince, invalid.length, { settleMs: 300 });
      assert.equal(dead.length, invalid.length);
    });
  }
});

describe('HTTP target answers', () => {
  let server: Server;
  let url: string;
  const answers: number[] = [];
  let requests = 0;

  before(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        requests += 1;
        const status = answers.shift() ?? 202;
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify(status === 202 ? { accepted: 1, rejected: 0, errors: [] } : { error: 'x', message: `status ${status}` }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const run = async (target: ReturnType<typeof createHttpTarget>) => {
    const clock = createVirtualClock();
    const generator = createLoadGenerator(
      { seed: 1, mode: 'regular', eps: 1, count: 1, strategy: 'sync', retry: { attempts: 5, baseMs: 1000, maxMs: 30_000 } },
      { target, logger: capturingLogger().logger, clock },
    );
    const final = await generator.run();
    return { final, waits: clock.sleeps.filter((ms) => ms >= 1000) };
  };

  test('503 and 429 are retried with back-off, then the 202 counts', async () => {
    requests = 0;
    answers.push(503, 429);
    const { final, waits } = await run(createHttpTarget({ url }));
    assert.equal(requests, 3);
    assert.deepEqual(waits, [1000, 2000]);
    assert.deepEqual([final.acked, final.failed, final.retries], [1, 0, 2]);
  });

  test('403 (unknown site) is final: no retry', async () => {
    requests = 0;
    answers.push(403);
    const { final } = await run(createHttpTarget({ url }));
    assert.equal(requests, 1);
    assert.deepEqual([final.acked, final.failed], [0, 1]);
  });

  test('an unreachable ingest: 5 attempts, then the record is failed', async () => {
    const { final, waits } = await run(createHttpTarget({ url: 'http://127.0.0.1:1' }));
    assert.deepEqual(waits, [1000, 2000, 4000, 8000]);
    assert.deepEqual([final.acked, final.failed, final.retries], [0, 1, 4]);
  });
});
