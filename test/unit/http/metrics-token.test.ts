import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { buildProcessServer } from '../../../src/http/process-server.ts';
import { createLogger } from '../../../src/shared/logger.ts';

const logger = createLogger('silent', 'test');

test('a worker process’s /metrics needs PULSE_METRICS_TOKEN when it is set, and only then', async () => {
  const registry = new Registry();
  const guarded = buildProcessServer({ logger, registry, checks: [], status: async () => ({}), metricsToken: 'metrics-token-0123456789' });
  const open = buildProcessServer({ logger, registry, checks: [], status: async () => ({}) });
  try {
    const refused = await guarded.inject({ url: '/metrics' });
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.json<{ error: string }>().error, 'unauthorized');
    assert.equal((await guarded.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong-token-0123456789' } })).statusCode, 401);
    assert.equal(
      (await guarded.inject({ url: '/metrics', headers: { authorization: 'Bearer metrics-token-0123456789' } })).statusCode,
      200,
    );
    assert.equal((await guarded.inject({ url: '/health' })).statusCode, 200, '/health stays public');
    assert.equal((await open.inject({ url: '/metrics' })).statusCode, 200);
  } finally {
    await Promise.all([guarded.close(), open.close()]);
  }
});
