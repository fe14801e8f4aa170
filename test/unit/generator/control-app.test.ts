import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { systemClock } from '../../../src/generator/clock.ts';
import { buildControlApp } from '../../../src/generator/control-app.ts';
import { createLoadGenerator, type GeneratorStatus, type LoadGenerator } from '../../../src/generator/generator.ts';
import { createGeneratorMetrics } from '../../../src/generator/metrics.ts';
import { waitFor } from '../../helpers/services.ts';
import { capturingLogger, fakeTarget } from './fakes.ts';

/** Records sent over a real window: the control API is tested on the real clock, with generous tolerances. */
async function sentDuring(generator: LoadGenerator, ms: number): Promise<number> {
  const before = generator.status().sent;
  await new Promise((resolve) => setTimeout(resolve, ms));
  return generator.status().sent - before;
}

describe('control API of a running generator', () => {
  let generator: LoadGenerator;
  let app: FastifyInstance;
  let running: Promise<GeneratorStatus>;

  before(async () => {
    const metrics = createGeneratorMetrics();
    const { logger } = capturingLogger();
    generator = createLoadGenerator(
      { seed: 4, mode: 'regular', eps: 20, strategy: 'async' },
      { target: fakeTarget(systemClock), logger, clock: systemClock, metrics },
    );
    running = generator.run();
    app = buildControlApp({ generator, registry: metrics.registry, logger });
    await app.ready();
  });
  after(async () => {
    await generator.stop();
    await running;
    await app.close();
  });

  const post = (url: string) => app.inject({ method: 'POST', url });
  const status = async () => (await app.inject({ method: 'GET', url: '/status' })).json<GeneratorStatus>();

  test('GET /health and GET /status describe it', async () => {
    const health = await app.inject({ method: 'GET', url: '/health' });
    assert.equal(health.statusCode, 200);
    assert.deepEqual(health.json(), { status: 'ok', state: 'running' });
    const s = await status();
    assert.equal(s.state, 'running');
    assert.equal(s.mode, 'regular');
    assert.equal(s.eps, 20);
    assert.equal(s.target, 'fake');
    for (const field of ['sent', 'acked', 'failed', 'duplicates', 'invalid', 'uptimeSeconds', 'rate'] as const) {
      assert.equal(typeof s[field], 'number', field);
    }
    assert.deepEqual(Object.keys(s.partitioning).sort(), ['key', 'random', 'round-robin']);
  });

  test('POST /config/speed changes the rate measurably', async () => {
    const slow = await sentDuring(generator, 1000);
    assert.ok(slow >= 10 && slow <= 40, `about 20 records in 1 s at eps 20, got ${slow}`);
    const response = await post('/config/speed?eps=400');
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { eps: 400, mode: 'regular' });
    assert.equal((await status()).eps, 400);
    const fast = await sentDuring(generator, 1000);
    assert.ok(fast >= 250 && fast <= 550, `about 400 records in 1 s at eps 400, got ${fast}`);
  });

  test('POST /config/mode switches the pattern and clears the exact rate', async () => {
    const response = await post('/config/mode?mode=night');
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { mode: 'night', eps: null });
    const s = await status();
    assert.deepEqual([s.mode, s.eps, s.targetEps], ['night', null, 0.1]);
    // Night mode sends its first event at once, then one per 10 s.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok((await sentDuring(generator, 1000)) <= 1);
  });

  test('POST /generate/burst sends that many records now', async () => {
    const before = (await status()).acked;
    const response = await post('/generate/burst?count=300');
    assert.equal(response.statusCode, 202);
    assert.deepEqual(response.json(), { queued: 300 });
    const acked = await waitFor(
      async () => {
        const now = (await status()).acked;
        return now - before >= 300 ? now - before : undefined;
      },
      'the burst to be acknowledged',
      5000,
    );
    assert.ok(acked >= 300 && acked <= 302, `burst of 300 (plus at most a night event or two), got ${acked}`);
  });

  test('bad values are refused with 400 and a message, and change nothing', async () => {
    const before = await status();
    for (const url of [
      '/config/speed',
      '/config/speed?eps=',
      '/config/speed?eps=fast',
      '/config/speed?eps=0',
      '/config/speed?eps=-5',
      '/config/speed?eps=1e9',
      '/config/mode',
      '/config/mode?mode=day',
      '/generate/burst',
      '/generate/burst?count=0',
      '/generate/burst?count=1.5',
      '/generate/burst?count=lots',
      '/generate/burst?count=100001',
    ]) {
      const response = await post(url);
      assert.equal(response.statusCode, 400, url);
      const body = response.json<{ error: string; message: string }>();
      assert.match(body.error, /^invalid_(eps|mode|count)$/, url);
      assert.match(body.message, /must be/, url);
    }
    const after = await status();
    assert.deepEqual([after.mode, after.eps], [before.mode, before.eps]);
  });

  test('GET /metrics exposes the counters in Prometheus format', async () => {
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.match(response.headers['content-type'] ?? '', /text\/plain/);
    for (const line of [
      /^pulse_generator_events_sent_total\{kind="view"\} \d+/m,
      /^pulse_generator_events_acked_total \d+/m,
      /^pulse_generator_events_failed_total 0/m,
      /^pulse_generator_partitioning_total\{strategy="key"\} \d+/m,
      /^pulse_generator_target_eps /m,
      /^process_cpu_seconds_total /m,
    ]) {
      assert.match(response.body, line);
    }
  });
});
