import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  dataAgeLevel,
  eventTypeLabel,
  formatAge,
  formatAgo,
  formatCount,
  formatDuration,
  formatPercent,
  formatRate,
  shortPath,
  totalLag,
} from '../../../src/dashboard/web/src/format.ts';

test('counts, rates and percentages read well on a tile', () => {
  assert.equal(formatCount(0), '0');
  assert.equal(formatCount(1234), '1,234');
  assert.equal(formatCount(123_456), '123.5K');
  assert.equal(formatCount(Number.NaN), '–');
  assert.equal(formatRate(0), '0');
  assert.equal(formatRate(0.25), '0.3');
  assert.equal(formatRate(9.94), '9.9');
  assert.equal(formatRate(42.4), '42');
  assert.equal(formatPercent(0), '0%');
  assert.equal(formatPercent(0.4321), '43.2%');
  assert.equal(formatPercent(1), '100%');
});

test('durations and ages', () => {
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(42.4), '42s');
  assert.equal(formatDuration(185), '3m 05s');
  assert.equal(formatDuration(3720), '1h 02m');
  assert.equal(formatDuration(-1), '–');
  assert.equal(formatAgo(500), 'now');
  assert.equal(formatAgo(-3000), 'now', 'a client clock ahead of the server is not "in the future"');
  assert.equal(formatAgo(12_000), '12s ago');
  assert.equal(formatAgo(5 * 60_000), '5m ago');
  assert.equal(formatAgo(3 * 3_600_000), '3h ago');
  assert.equal(formatAgo(2 * 86_400_000), '2d ago');
  assert.equal(formatAge(420), '0.4 s');
  assert.equal(formatAge(12_400), '12 s');
  assert.equal(formatAge(4 * 60_000), '4 min');
  assert.equal(formatAge(2 * 3_600_000), '2 h');
});

test('data age: fresh under 5 s; older is "idle" with no lag, "behind" with lag, "late" from 30 s', () => {
  assert.equal(dataAgeLevel(null, 0), 'none');
  assert.equal(dataAgeLevel(300, 50), 'fresh');
  assert.equal(dataAgeLevel(4_999, null), 'fresh');
  assert.equal(dataAgeLevel(60_000, 0), 'idle', 'a quiet site with a caught-up worker is not late');
  assert.equal(dataAgeLevel(6_000, 12), 'behind');
  assert.equal(dataAgeLevel(6_000, null), 'behind', 'unknown lag is not assumed to be zero');
  assert.equal(dataAgeLevel(30_000, 12), 'late');
  assert.equal(dataAgeLevel(120_000, null), 'late');
});

test('total lag sums the groups, and is unknown when lag could not be read', () => {
  assert.equal(totalLag({ groups: [{ totalLag: 3 }, { totalLag: 4 }], error: null }), 7);
  assert.equal(totalLag({ groups: [], error: null }), 0);
  assert.equal(totalLag({ groups: [], error: 'broker down' }), null);
});

test('long paths keep their start and end; event types get short labels', () => {
  assert.equal(shortPath('/products/42'), '/products/42');
  const long = '/blog/2026/11/a-very-long-article-title-about-kafka-consumer-groups';
  const short = shortPath(long, 28);
  assert.equal(short.length, 28);
  assert.ok(short.startsWith('/blog/2026/11/a-') && short.endsWith('groups') && short.includes('…'));
  assert.equal(eventTypeLabel('page_view'), 'view');
  assert.equal(eventTypeLabel('form_submit'), 'form');
  assert.equal(eventTypeLabel('something_new'), 'something_new');
});
