import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { createEmbeddedBus } from '../../../src/bus/embedded/embedded-bus.ts';
import { loadConfig } from '../../../src/config/config.ts';
import { ingestSettings } from '../../../src/config/ingest-settings.ts';
import { systemClock } from '../../../src/generator/clock.ts';
import { buildControlApp } from '../../../src/generator/control-app.ts';
import { createLoadGenerator } from '../../../src/generator/generator.ts';
import { createHttpApp } from '../../../src/http/http-app.ts';
import { buildProcessServer } from '../../../src/http/process-server.ts';
import { buildIngestApp } from '../../../src/ingest/ingest-app.ts';
import { createIngestMetrics } from '../../../src/ingest/ingest-metrics.ts';
import { PulseError, errorCodes, type ErrorCode } from '../../../src/shared/errors.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { fakeTarget } from '../generator/fakes.ts';

const logger = createLogger('silent', 'test');
const SECRET = 'password authentication failed for user "pulse" at 10.0.0.7';

/** Routes that fail the ways a handler can: a Pulse error of each kind, a bare Error with internals in its message. */
function addFailingRoutes(app: FastifyInstance): void {
  app.get<{ Params: { code: string } }>('/fail/:code', async (request) => {
    throw new PulseError(request.params.code as ErrorCode, SECRET, { cause: new Error(SECRET) });
  });
  app.get('/crash', async () => {
    throw new Error(SECRET);
  });
}

/** Every HTTP app Pulse builds, each with the failing routes added. */
async function everyApp(dir: string): Promise<[string, FastifyInstance, () => Promise<void>][]> {
  const bus = await createEmbeddedBus({ dir });
  const ingest = await buildIngestApp({
    bus,
    settings: ingestSettings(loadConfig({})),
    logger,
    metrics: createIngestMetrics(),
    extend: addFailingRoutes,
  });
  const processServer = buildProcessServer({ logger, registry: new Registry(), checks: [], status: async () => ({ state: 'running' }) });
  addFailingRoutes(processServer);
  const generator = createLoadGenerator(
    { seed: 1, mode: 'regular', eps: 1, strategy: 'async' },
    { target: fakeTarget(systemClock), logger, clock: systemClock },
  );
  const control = buildControlApp({ generator, registry: new Registry(), logger });
  addFailingRoutes(control);
  const plain = createHttpApp({ logger });
  addFailingRoutes(plain);
  return [
    ['ingest (pulse start / pulse ingest)', ingest, () => bus.close()],
    ['worker and dashboard process server', processServer, async () => {}],
    ['generator control API', control, async () => void (await generator.stop())],
    ['createHttpApp', plain, async () => {}],
  ];
}

const expected: Record<ErrorCode, { status: number; error: string; leaks: boolean; retryAfter: boolean }> = {
  PULSE_CONFIG_INVALID: { status: 500, error: 'internal', leaks: false, retryAfter: false },
  PULSE_BAD_REQUEST: { status: 400, error: 'bad_request', leaks: true, retryAfter: false },
  PULSE_NOT_FOUND: { status: 404, error: 'not_found', leaks: true, retryAfter: false },
  PULSE_METHOD_NOT_ALLOWED: { status: 405, error: 'method_not_allowed', leaks: true, retryAfter: false },
  PULSE_UNAUTHORIZED: { status: 401, error: 'unauthorized', leaks: true, retryAfter: false },
  PULSE_FORBIDDEN: { status: 403, error: 'forbidden', leaks: true, retryAfter: false },
  PULSE_BUS_UNAVAILABLE: { status: 503, error: 'unavailable', leaks: false, retryAfter: true },
  PULSE_BUS_CLOSED: { status: 503, error: 'unavailable', leaks: false, retryAfter: true },
  PULSE_BUS_UNKNOWN_TOPIC: { status: 503, error: 'unavailable', leaks: false, retryAfter: true },
  PULSE_BUS_UNAUTHORIZED: { status: 503, error: 'unavailable', leaks: false, retryAfter: true },
  PULSE_BUS_INVALID_RECORD: { status: 413, error: 'record_too_large', leaks: true, retryAfter: false },
  PULSE_BUS_GROUP_ACTIVE: { status: 409, error: 'conflict', leaks: true, retryAfter: false },
  PULSE_STORE_UNAVAILABLE: { status: 503, error: 'store_unavailable', leaks: false, retryAfter: true },
  PULSE_STORE_FAILED: { status: 503, error: 'store_unavailable', leaks: false, retryAfter: true },
  PULSE_STORE_REJECTED: { status: 500, error: 'internal', leaks: false, retryAfter: false },
  PULSE_HISTORY_UNAVAILABLE: { status: 503, error: 'history_unavailable', leaks: true, retryAfter: false },
  PULSE_CONFLICT: { status: 409, error: 'conflict', leaks: true, retryAfter: false },
  PULSE_TOO_MANY_ATTEMPTS: { status: 429, error: 'too_many_attempts', leaks: true, retryAfter: true },
};

test('every app Pulse builds answers errors through the one handler: codes to statuses, no internals in 5xx bodies, JSON 404', async () => {
  assert.deepEqual(Object.keys(expected).sort(), Object.values(errorCodes).sort(), 'every code has an expected answer');
  const dir = await mkdtemp(join(tmpdir(), 'pulse-handler-'));
  const apps = await everyApp(dir);
  try {
    for (const [name, app] of apps) {
      for (const [code, want] of Object.entries(expected)) {
        const response = await app.inject({ method: 'GET', url: `/fail/${code}` });
        const body = response.json<{ error: string; message: string }>();
        assert.equal(response.statusCode, want.status, `${name} ${code}`);
        assert.equal(body.error, want.error, `${name} ${code}`);
        assert.equal(body.message.includes(SECRET), want.leaks, `${name} ${code}: message ${body.message}`);
        assert.equal(response.headers['retry-after'] !== undefined, want.retryAfter, `${name} ${code}: retry-after`);
      }
      const crash = await app.inject({ method: 'GET', url: '/crash' });
      assert.equal(crash.statusCode, 500, name);
      assert.deepEqual(crash.json(), { error: 'internal', message: 'internal error' }, name);
      const missing = await app.inject({ method: 'GET', url: '/no/such/route?x=1' });
      assert.equal(missing.statusCode, 404, name);
      assert.deepEqual(missing.json(), { error: 'not_found', message: 'no route GET /no/such/route' }, name);
    }
  } finally {
    for (const [, app, close] of apps) {
      await app.close();
      await close();
    }
    await rm(dir, { recursive: true, force: true });
  }
});

test('a Pulse error may name its own client error (bad_range, unknown_site) and keeps its code’s status', async () => {
  const app = createHttpApp({ logger });
  app.get('/range', async () => {
    throw new PulseError(errorCodes.BAD_REQUEST, '`from` must be before `to`', { detail: 'bad_range' });
  });
  const response = await app.inject({ method: 'GET', url: '/range' });
  assert.equal(response.statusCode, 400);
  assert.deepEqual(response.json(), { error: 'bad_range', message: '`from` must be before `to`' });
  await app.close();
});
