import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultSite, loadConfig } from '../../../src/config/config.ts';
import type { BusRecord } from '../../../src/bus/bus.ts';
import type { EnrichedEvent } from '../../../src/contract/event-schema.ts';
import { realtimeWorker } from '../../../src/workers/realtime/realtime-worker.ts';
import { createMemoryRealtimeStore } from '../../../src/stores/realtime/memory/index.ts';

test('PULSE_DEFAULT_SITE: the setting, else the first of PULSE_SITES, else demo', () => {
  assert.equal(defaultSite(loadConfig({})), 'demo');
  assert.equal(defaultSite(loadConfig({ PULSE_SITES: 'shop,blog' })), 'shop');
  assert.equal(defaultSite(loadConfig({ PULSE_SITES: '*' })), 'demo');
  assert.equal(defaultSite(loadConfig({ PULSE_SITES: 'shop', PULSE_DEFAULT_SITE: 'blog' })), 'blog');
  assert.throws(() => loadConfig({ PULSE_DEFAULT_SITE: 'has space' }), /PULSE_DEFAULT_SITE="has space"/);
});

test('a worker maps site-less records to the default site it was given', () => {
  const worker = realtimeWorker(createMemoryRealtimeStore(), undefined, { defaultSite: 'shop' });
  const record: BusRecord = {
    topic: 'user-activity',
    partition: 0,
    offset: 0,
    key: null,
    value: Buffer.from(JSON.stringify({ user_id: 123, action: 'view', page: '/home', timestamp: '2023-10-01T12:00:00Z' })),
    headers: {},
    timestamp: Date.now(),
  };
  const outcome = worker.decode(record);
  assert.equal(outcome.kind === 'ok' ? (outcome.value as EnrichedEvent).site : outcome.reason, 'shop');
});
