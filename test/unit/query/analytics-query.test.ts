import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  analyticsRange,
  checkCohorts,
  DAY_MS,
  defaultRetentionFrom,
  formatStep,
  MAX_RANGE_MS,
  parseStep,
  parseSteps,
  periodStart,
  trendBucket,
} from '../../../src/query/analytics-query.ts';
import { isPulseError } from '../../../src/shared/errors.ts';
import type { FunnelStep } from '../../../src/stores/warehouse/product-analytics.ts';

/** Asserts a 400 with this `detail` whose message mentions `words`. */
function refuses(action: () => unknown, detail: string, words: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(isPulseError(error), String(error));
    assert.equal(error.detail, detail);
    assert.match(error.message, words);
    return true;
  });
}

test('a step is page:/path or event:name, with an optional |key=value filter', () => {
  assert.deepEqual(parseStep('page:/pricing'), { kind: 'page', path: '/pricing' });
  assert.deepEqual(parseStep('page:/docs/*'), { kind: 'page', path: '/docs/*' });
  assert.deepEqual(parseStep('page:*'), { kind: 'page', path: '*' });
  assert.deepEqual(parseStep('event:signup'), { kind: 'event', name: 'signup' });
  assert.deepEqual(parseStep('event:signup|plan=pro'), { kind: 'event', name: 'signup', property: { key: 'plan', value: 'pro' } });
  assert.deepEqual(parseStep('page:/p|lang=en'), { kind: 'page', path: '/p', property: { key: 'lang', value: 'en' } });
  // Names may hold colons and spaces; the first colon ends the kind.
  assert.deepEqual(parseStep('event:Video: play'), { kind: 'event', name: 'Video: play' });
  // The value is what follows the first "=", empty allowed.
  assert.deepEqual(parseStep('event:x|q=a=b'), { kind: 'event', name: 'x', property: { key: 'q', value: 'a=b' } });
  assert.deepEqual(parseStep('event:x|q='), { kind: 'event', name: 'x', property: { key: 'q', value: '' } });
});

test('a backslash escapes |, = and itself', () => {
  assert.deepEqual(parseStep('event:a\\|b'), { kind: 'event', name: 'a|b' });
  assert.deepEqual(parseStep('event:a\\\\|k=v'), { kind: 'event', name: 'a\\', property: { key: 'k', value: 'v' } });
  assert.deepEqual(parseStep('event:e|a\\=b=c\\|d'), { kind: 'event', name: 'e', property: { key: 'a=b', value: 'c|d' } });
});

test('formatStep writes the text parseStep reads back', () => {
  const steps: FunnelStep[] = [
    { kind: 'page', path: '/pricing' },
    { kind: 'page', path: '/a|b=c\\d*' },
    { kind: 'event', name: 'sign|up', property: { key: 'k=1', value: 'v|\\=' } },
    { kind: 'event', name: 'x', property: { key: 'plan', value: '' } },
  ];
  for (const step of steps) assert.deepEqual(parseStep(formatStep(step)), step, formatStep(step));
  assert.equal(formatStep({ kind: 'event', name: 'signup', property: { key: 'plan', value: 'pro' } }), 'event:signup|plan=pro');
});

test('bad steps are 400 bad_step with the reason', () => {
  refuses(() => parseStep('/pricing'), 'bad_step', /start with page: or event:/);
  refuses(() => parseStep('click:a'), 'bad_step', /start with page: or event:/);
  refuses(() => parseStep('page:pricing'), 'bad_step', /starts with \//);
  refuses(() => parseStep('event:'), 'bad_step', /event name is 1–128/);
  refuses(() => parseStep(`event:${'x'.repeat(129)}`), 'bad_step', /event name/);
  refuses(() => parseStep('event:a|plan'), 'bad_step', /key=value/);
  refuses(() => parseStep('event:a|=pro'), 'bad_step', /property key/);
  refuses(() => parseStep('event:a|k=v|x=y'), 'bad_step', /at most one property filter/);
  refuses(() => parseStep('event:a\\'), 'bad_step', /escapes nothing/);
  refuses(() => parseStep('event:a\u0000b'), 'bad_step', /printable/);
  refuses(() => parseStep(`page:/${'p'.repeat(3000)}`), 'bad_step', /at most 3000/);
});

test('a funnel has 2 to 8 steps', () => {
  refuses(() => parseSteps(['page:/']), 'bad_steps', /2 to 8 steps/);
  refuses(() => parseSteps(Array.from({ length: 9 }, (_, i) => `event:e${i}`)), 'bad_steps', /got 9/);
  assert.equal(parseSteps(['page:/', 'event:buy']).length, 2);
});

test('ranges: to defaults to now, from to the route default or hours before to; bad ones are 400s', () => {
  const now = Date.UTC(2026, 11, 1, 12);
  const lastDay = (to: number) => to - DAY_MS;
  assert.deepEqual(analyticsRange({}, now, lastDay), { from: now - DAY_MS, to: now });
  assert.deepEqual(analyticsRange({ hours: 2 }, now, lastDay), { from: now - 2 * 3_600_000, to: now });
  assert.deepEqual(analyticsRange({ from: '2026-11-30T00:00:00Z', to: '2026-12-01T00:00:00Z' }, now, lastDay), {
    from: Date.UTC(2026, 10, 30),
    to: Date.UTC(2026, 11, 1),
  });
  refuses(() => analyticsRange({ from: '2026-12-01T00:00:00Z', hours: 1 }, now, lastDay), 'bad_range', /not both/);
  refuses(() => analyticsRange({ from: '2026-12-02T00:00:00Z' }, now, lastDay), 'bad_range', /before/);
  refuses(() => analyticsRange({ from: new Date(now - MAX_RANGE_MS - 1).toISOString() }, now, lastDay), 'range_too_long', /366 days/);
});

test('periods start on UTC midnight and on Monday; the default retention range is whole periods', () => {
  const wednesday = Date.UTC(2026, 11, 2, 15, 30); // 2 Dec 2026 is a Wednesday
  assert.equal(periodStart(wednesday, 'day'), Date.UTC(2026, 11, 2));
  assert.equal(periodStart(wednesday, 'week'), Date.UTC(2026, 10, 30));
  assert.equal(periodStart(Date.UTC(2026, 10, 30), 'week'), Date.UTC(2026, 10, 30));
  assert.equal(periodStart(Date.UTC(2026, 11, 6, 23), 'week'), Date.UTC(2026, 10, 30)); // Sunday
  assert.equal(defaultRetentionFrom('day')(wednesday), Date.UTC(2026, 10, 19));
  assert.equal(defaultRetentionFrom('week')(wednesday), Date.UTC(2026, 9, 12));
  assert.equal(checkCohorts({ from: Date.UTC(2026, 10, 19), to: wednesday }, 'day'), 14);
  assert.equal(checkCohorts({ from: Date.UTC(2026, 10, 19), to: Date.UTC(2026, 11, 3) }, 'day'), 14);
  assert.equal(checkCohorts({ from: Date.UTC(2026, 9, 12), to: wednesday }, 'week'), 8);
  refuses(() => checkCohorts({ from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 5, 1) }, 'day'), 'range_too_long', /at most 90 cohorts/);
});

test('the trend is hourly up to 7 days, daily beyond, unless asked', () => {
  assert.equal(trendBucket({ from: 0, to: 7 * DAY_MS }, undefined), 'hour');
  assert.equal(trendBucket({ from: 0, to: 7 * DAY_MS + 1 }, undefined), 'day');
  assert.equal(trendBucket({ from: 0, to: DAY_MS }, 'day'), 'day');
});
