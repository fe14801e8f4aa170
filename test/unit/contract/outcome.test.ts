import assert from 'node:assert/strict';
import { test } from 'node:test';
import { topicNames } from '../../../src/bus/topics.ts';
import { dlq, drop, ok, pipeline, type Outcome } from '../../../src/contract/outcome.ts';
import { ingestSteps } from '../../../src/ingest/plan-batch.ts';
import { decodeEvent } from '../../../src/workers/decode-event.ts';
import { pageView } from '../../helpers/events.ts';

function parseNumber(text: string): Outcome<number> {
  const n = Number(text);
  return Number.isNaN(n) ? dlq(`not a number: ${text}`) : ok(n);
}
function positive(n: number): Outcome<number> {
  return n > 0 ? ok(n) : drop('not_positive');
}
function half(n: number): Outcome<number> {
  return ok(n / 2);
}

test('a pipeline runs its steps in order and stops at the first outcome that is not ok', () => {
  const steps = pipeline(parseNumber, positive, half);
  assert.deepEqual(steps.steps, ['parseNumber', 'positive', 'half']);
  assert.deepEqual(steps('8'), ok(4));
  assert.deepEqual(steps('x'), dlq('not a number: x'));
  assert.deepEqual(steps('-1'), drop('not_positive'));
});

test('the ingest and worker pipelines list their named steps', () => {
  const ingest = ingestSteps({ sites: new Set(['demo']), topics: topicNames(), allowedTypes: ['mouse_move'], source: '/api/coordinates' });
  assert.deepEqual(ingest.steps, ['withDefaultType', 'checkWireEvent', 'checkAllowedType', 'checkSiteKey']);
  assert.deepEqual(decodeEvent.steps, ['readRecordJson', 'mapActivityRecord', 'checkEnrichedEvent']);
  assert.equal(ingest(pageView({ site: 'other' })).kind, 'dlq', 'a page view is not accepted on /api/coordinates');
  const move = { site: 'other', user_id: 'u', session_id: 's', url: 'https://a.example/', x: 1, y: 2 };
  assert.deepEqual(
    ingestSteps({ sites: new Set(['demo']), topics: topicNames(), allowedTypes: ['mouse_move'], defaultType: 'mouse_move', source: '/c' })(
      move,
    ),
    drop('unknown_site'),
  );
});
