import assert from 'node:assert/strict';
import { test } from 'node:test';
import { topicNames } from '../../../src/bus/topics.ts';
import { eventTypes } from '../../../src/contract/event-schema.ts';
import { planBatch } from '../../../src/ingest/plan-batch.ts';
import { pageView } from '../../helpers/events.ts';

const context = { ip: '127.0.0.1', userAgent: 'Mozilla/5.0', now: new Date(), anonymizeIp: false };
const options = { sites: new Set(['demo']), topics: topicNames(), allowedTypes: eventTypes, source: '/api/events' };

test('routes each event to its topic keyed by user id, invalid ones to the DLQ', () => {
  const move = { type: 'mouse_move', site: 'demo', user_id: 'm', session_id: 's', url: 'https://a.example/', x: 1, y: 2 };
  const plan = planBatch([pageView({ user_id: 'a' }), move, { type: 'page_view' }, pageView({ site: 'other' })], context, options);
  assert.equal(plan.accepted, 2);
  assert.deepEqual(
    plan.records.map((r) => [r.topic, r.key]),
    [
      ['user-activity', 'a'],
      ['mouse-coordinates', 'm'],
      ['user-activity.dlq', undefined],
    ],
  );
  assert.deepEqual(plan.rejections, [
    { index: 2, reason: 'missing required field "site"', kind: 'invalid' },
    { index: 3, reason: 'unknown site key "other"', kind: 'unknown_site' },
  ]);
});

test('on a single-type endpoint the type may be omitted and other types are refused', () => {
  const coordinates = { ...options, allowedTypes: ['mouse_move'] as const, defaultType: 'mouse_move' as const, source: '/api/coordinates' };
  const ok = planBatch([{ site: 'demo', user_id: 'u', session_id: 's', url: 'https://a.example/', x: 5, y: 6 }], context, coordinates);
  assert.equal(ok.accepted, 1);
  const refused = planBatch([pageView()], context, coordinates);
  assert.equal(refused.accepted, 0);
  assert.equal(refused.records[0]?.topic, 'mouse-coordinates.dlq');
  assert.equal(refused.rejections[0]?.reason, 'event type "page_view" is not accepted on /api/coordinates');
});
