import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ingestTopicSpecs } from '../../src/bus/topics.ts';
import { loadConfig } from '../../src/config/config.ts';
import { kafkaBusFrom } from '../../src/runtime/adapters.ts';
import { startDashboard } from '../../src/runtime/distributed.ts';
import type { Running } from '../../src/runtime/lifecycle.ts';
import { adminHeaders, kafkaBrokers, postgresUrl, redisUrl, testAdminToken } from '../helpers/services.ts';
import { deleteKafkaTopics } from '../helpers/kafka-topics.ts';

const prefix = `dash-${randomUUID().slice(0, 8)}.`;
const config = loadConfig({
  PULSE_PORT: '0',
  PULSE_LOG_LEVEL: 'silent',
  PULSE_KAFKA_BROKERS: kafkaBrokers,
  PULSE_REDIS_URL: redisUrl,
  PULSE_POSTGRES_URL: postgresUrl,
  PULSE_TOPIC_PREFIX: prefix,
  PULSE_ADMIN_TOKEN: testAdminToken,
});
let running: Running;

before(async () => {
  // As `pulse ingest` would have: the dashboard reads lag, it does not create topics.
  const bus = kafkaBusFrom(config);
  await bus.ensureTopics(ingestTopicSpecs(config));
  await bus.close();
  running = await startDashboard(config);
});

after(async () => {
  await running.close();
  await deleteKafkaTopics(ingestTopicSpecs(config).map((s) => s.name));
});

const get = (path: string, headers: Record<string, string> = adminHeaders) => fetch(`${running.url}${path}`, { headers });

test('the distributed dashboard reports its own status with the lag of the groups it watches, not "starting"', async () => {
  const response = await get('/status');
  assert.equal(response.status, 200);
  const status = (await response.json()) as {
    role: string;
    state: string;
    warehouses: string[];
    pipeline: { error: string | null; groups: { group: string }[] };
  };
  assert.equal(status.role, 'dashboard');
  assert.equal(status.state, 'running');
  assert.deepEqual(status.warehouses, ['postgres']);
  assert.equal(status.pipeline.error, null);
  assert.deepEqual(
    status.pipeline.groups.map((g) => g.group),
    [`${prefix}pulse-realtime`, `${prefix}pulse-warehouse-postgres`],
  );
  assert.equal((await get('/ready')).status, 200);
});

test('the distributed dashboard answers through the one error handler', async () => {
  const missing = await get('/no/such/thing');
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), { error: 'not_found', message: 'no route GET /no/such/thing' });
  const badRange = await get('/api/history/pages?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z');
  assert.equal(badRange.status, 400);
  assert.equal(((await badRange.json()) as { error: string }).error, 'bad_range');
  const unknownSite = await get('/api/stats/realtime?site=nobody');
  assert.equal(unknownSite.status, 400);
  assert.equal(((await unknownSite.json()) as { error: string }).error, 'unknown_site');
  assert.equal((await get('/api/history/pages?site=demo')).status, 200);
});

test('the distributed dashboard keeps its data behind accounts (PostgreSQL): 401 without credentials, 200 for a user’s token', async () => {
  for (const path of ['/api/stats/realtime', '/api/history/pages', '/api/kafka/topics', '/api/sites', '/api/alerts']) {
    const refused = await get(path, {});
    assert.equal(refused.status, 401, path);
    assert.equal(((await refused.json()) as { error: string }).error, 'unauthorized');
  }
  const username = `dash-${randomUUID().slice(0, 8)}`;
  const created = await fetch(`${running.url}/api/users`, {
    method: 'POST',
    headers: { ...adminHeaders, 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'a long enough password', role: 'viewer', sites: ['demo'] }),
  });
  assert.equal(created.status, 201, await created.text());
  const issued = await fetch(`${running.url}/api/users/${username}/tokens`, {
    method: 'POST',
    headers: { ...adminHeaders, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'test' }),
  });
  const { token } = (await issued.json()) as { token: string };
  const viewer = { authorization: `Bearer ${token}` };
  assert.equal((await get('/api/stats/realtime?site=demo', viewer)).status, 200);
  assert.equal((await get('/api/kafka/topics', viewer)).status, 403);
  const removed = await fetch(`${running.url}/api/users/${username}`, { method: 'DELETE', headers: adminHeaders });
  assert.equal(removed.status, 204);
  assert.equal((await get('/api/stats/realtime?site=demo', viewer)).status, 401, 'a removed user’s token opens nothing');
});
