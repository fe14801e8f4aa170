import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config/config.ts';
import { ingestSettings, shareOfGroup } from '../../../src/config/ingest-settings.ts';

test('each process of an ingest group takes an even share of the rate limits (rounded up); 0 stays off', () => {
  const settings = ingestSettings(loadConfig({ PULSE_RATE_LIMIT_PER_MINUTE: '6000', PULSE_SITE_RATE_LIMIT_PER_MINUTE: '1001' }));
  assert.deepEqual(shareOfGroup(settings, 1), settings);
  const half = shareOfGroup(settings, 2);
  assert.equal(half.rateLimitPerMinute, 3000);
  assert.equal(half.siteRateLimitPerMinute, 501);
  assert.equal(half.maxBatch, settings.maxBatch, 'nothing else changes');
  const off = shareOfGroup(ingestSettings(loadConfig({ PULSE_RATE_LIMIT_PER_MINUTE: '0', PULSE_SITE_RATE_LIMIT_PER_MINUTE: '0' })), 4);
  assert.equal(off.rateLimitPerMinute, 0);
  assert.equal(off.siteRateLimitPerMinute, 0);
  assert.throws(() => shareOfGroup(settings, 0), RangeError);
});
