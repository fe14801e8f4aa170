import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatStep, parseStep } from '../../../src/query/analytics-query.ts';
import { bucketStarts, filledCounts } from '../../../src/dashboard/web/src/events-model.ts';
import { draftOf, funnelRows, stepLabel, stepText, type StepDraft } from '../../../src/dashboard/web/src/funnels-model.ts';
import { heatColor, lastPeriods, periodStart, retentionCurve, retentionRows } from '../../../src/dashboard/web/src/retention-model.ts';

/** The dashboard's models of the Funnels, Retention and Events views (no DOM), against the server's own encoding. */

test('the editor writes steps in the encoding the server reads, and reads saved steps back', () => {
  const drafts: StepDraft[] = [
    { kind: 'page', target: '/pricing', key: '', value: '' },
    { kind: 'page', target: 'docs/*', key: '', value: '' },
    { kind: 'event', target: 'sign|up', key: 'plan=x', value: 'pro|\\' },
  ];
  const texts = drafts.map(stepText);
  assert.deepEqual(texts, ['page:/pricing', 'page:/docs/*', 'event:sign\\|up|plan\\=x=pro\\|\\\\']);
  // The server parses them into the steps meant, and its own text form is the same.
  assert.deepEqual(parseStep(texts[2] ?? ''), { kind: 'event', name: 'sign|up', property: { key: 'plan=x', value: 'pro|\\' } });
  for (const text of texts) assert.equal(formatStep(parseStep(text ?? '')), text);
  // Loading a saved funnel gives the drafts back (a page path gets its leading slash).
  assert.deepEqual(
    texts.map((text) => draftOf(text ?? '')),
    [drafts[0], { ...drafts[1], target: '/docs/*' }, drafts[2]],
  );
  // Incomplete steps are not asked.
  assert.equal(stepText({ kind: 'event', target: '', key: '', value: '' }), null);
  assert.equal(stepText({ kind: 'event', target: 'a', key: '', value: 'orphan' }), null);
  assert.equal(stepText({ kind: 'event', target: 'a', key: 'k', value: '' }), 'event:a|k=');
  assert.equal(stepLabel('event:signup|plan=pro'), 'Event signup (plan = pro)');
});

test('funnel rows number the steps and count the drop-off since the previous one', () => {
  const figures = (entered: number) => ({
    step: 'event:x',
    entered,
    converted: 0,
    dropped: 0,
    conversionFromPrevious: 0,
    conversionFromFirst: 0,
    medianSecondsFromPrevious: null,
  });
  assert.deepEqual(
    funnelRows([figures(10), figures(4), figures(4)]).map((row) => [row.label, row.droppedBefore]),
    [
      ['1. Event x', 0],
      ['2. Event x', 6],
      ['3. Event x', 0],
    ],
  );
});

test('retention: shares per cohort, the curve over the cohorts old enough, and the heat colour', () => {
  const cohorts = [
    { start: 0, visitors: 4, retained: [4, 1, 2] },
    { start: 1, visitors: 1, retained: [1, 1] },
    { start: 2, visitors: 0, retained: [0] },
    { start: 3, visitors: 2, retained: [2] },
  ];
  assert.deepEqual(retentionRows(cohorts)[0]?.cells, [
    { count: 4, share: 1 },
    { count: 1, share: 0.25 },
    { count: 2, share: 0.5 },
  ]);
  assert.deepEqual(retentionRows(cohorts)[2]?.cells, [{ count: 0, share: 0 }]);
  assert.deepEqual(retentionCurve(cohorts), [1, 2 / 5, 2 / 4]);
  assert.deepEqual(retentionCurve([]), []);
  assert.equal(heatColor(0), 'rgba(129, 140, 248, 0.060)');
  assert.equal(heatColor(1), 'rgba(129, 140, 248, 0.800)');
  assert.equal(heatColor(7), heatColor(1));
});

test('retention ranges are whole UTC days or ISO weeks', () => {
  const wednesday = Date.UTC(2026, 11, 2, 15);
  assert.equal(periodStart(wednesday, 'week'), Date.UTC(2026, 10, 30));
  assert.deepEqual(lastPeriods('day', 14, wednesday), { from: Date.UTC(2026, 10, 19), to: wednesday });
  assert.deepEqual(lastPeriods('week', 8, wednesday), { from: Date.UTC(2026, 9, 12), to: wednesday });
});

test('the events trend fills the buckets without events with 0', () => {
  const HOUR = 3_600_000;
  const from = Date.UTC(2026, 11, 1, 10, 30);
  const starts = bucketStarts({ from, to: from + 3 * HOUR }, 'hour');
  assert.deepEqual(
    starts,
    [0, 1, 2, 3].map((h) => Date.UTC(2026, 11, 1, 10 + h)),
  );
  assert.deepEqual(filledCounts([{ ts: Date.UTC(2026, 11, 1, 12), events: 5, visitors: 2 }], starts), [0, 0, 5, 0]);
  assert.equal(bucketStarts({ from: Date.UTC(2026, 10, 24, 21), to: Date.UTC(2026, 11, 1, 21) }, 'day').length, 8);
});
