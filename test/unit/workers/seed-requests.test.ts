import assert from 'node:assert/strict';
import { test } from 'node:test';
import { topicNames } from '../../../src/bus/topics.ts';
import { mapSeedRequest, defaultSiteOf } from '../../../src/contract/seed-requests.ts';
import { validateEvent } from '../../../src/contract/validate-event.ts';
import { planBatch } from '../../../src/ingest/plan-batch.ts';
import { CHROME_UA } from '../../helpers/events.ts';

const now = new Date('2025-03-21T10:00:00.000Z');
const map = mapSeedRequest({ defaultSite: 'demo', now });
const types = 'page_view, click, form_submit, mouse_move, custom';

function valid(raw: unknown): Record<string, unknown> {
  const outcome = validateEvent(structuredClone(map(raw)));
  assert.equal(outcome.kind, 'ok', outcome.kind === 'ok' ? '' : `${JSON.stringify(raw)}: ${outcome.reason}`);
  return (outcome as { value: Record<string, unknown> }).value;
}

test("seed 000's coordinates (x, y or clientX, clientY, and a user id) become mouse moves of the default site", () => {
  const move = valid({ x: 120, y: 340, user_id: 'user_abc' });
  assert.deepEqual(
    { ...move, session_id: undefined },
    {
      type: 'mouse_move',
      site: 'demo',
      user_id: 'user_abc',
      session_id: undefined,
      url: 'https://demo/',
      x: 120,
      y: 340,
    },
  );
  const named = valid({ clientX: 120, clientY: 340, userId: 'user_abc', timestamp: Date.parse('2025-03-21T10:05:00Z') });
  assert.deepEqual([named['x'], named['y'], named['ts'], named['session_id']], [120, 340, '2025-03-21T10:05:00.000Z', move['session_id']]);
  const fromPage = mapSeedRequest({ defaultSite: 'demo', now, referer: 'http://localhost:8080/index.html' })({ x: 1, y: 2, user_id: 'u' });
  assert.equal((fromPage as { url: string }).url, 'http://localhost:8080/index.html', 'the page that posted them, when the browser says');
});

test("seed 001's button click (event type, URL, session id, additional data) becomes a click", () => {
  const click = valid({
    event_type: 'button_click',
    url: 'http://localhost:5000/',
    referrer: 'http://localhost:5000/start',
    session_id: 'sess-1',
    timestamp: '2025-03-21T10:00:00.123456',
    data: { button_id: 'send', text: 'Отправить' },
  });
  assert.deepEqual(click, {
    type: 'click',
    site: 'demo',
    user_id: 'sess-1',
    session_id: 'sess-1',
    url: 'http://localhost:5000/',
    ts: new Date('2025-03-21T10:00:00.123').toISOString(),
    referrer: 'http://localhost:5000/start',
    props: { button_id: 'send', text: 'Отправить' },
  });
  assert.equal(valid({ event_type: 'page_view', page_url: '/about', user_id: 9 })['type'], 'page_view');
  assert.equal(valid({ event_type: 'submit', user_id: 9 })['type'], 'form_submit');
  assert.deepEqual(
    [valid({ event_type: 'signup', user_id: 9, plan: 'pro' })['name'], valid({ event_type: 'signup', user_id: 9, plan: 'pro' })['props']],
    ['signup', { plan: 'pro' }],
  );
});

test("seed 004's activity record posted over HTTP maps as the workers map it from Kafka", () => {
  const view = valid({ user_id: 123, action: 'view', page: '/home', timestamp: '2023-10-01T12:00:00Z' });
  assert.deepEqual(
    [view['type'], view['user_id'], view['url'], view['ts']],
    ['page_view', '123', 'https://demo/home', '2023-10-01T12:00:00.000Z'],
  );
  assert.equal(valid({ user_id: 123, action: 'buy', page: '/cart' })['name'], 'buy');
});

test("the contract's own events, and bodies no seed sends, pass untouched", () => {
  const own = { site: 'demo', user_id: 'u', session_id: 's', url: 'https://a.example/', x: 1, y: 2, viewport_w: 800 };
  assert.equal(map(own), own, "the tracker's coordinates (type left out, url given)");
  const typed = { type: 'click', site: 'demo', user_id: 'u', session_id: 's', url: 'https://a.example/', event_type: 'x' };
  assert.equal(map(typed), typed);
  for (const body of [
    { x: 1, y: 2 },
    { x: -1, y: 2, user_id: 'u' },
    { event_type: 'click' },
    { event_type: 5, user_id: 'u' },
    { action: 'view', user_id: 1 },
  ]) {
    assert.equal(map(body), body, JSON.stringify(body));
  }
});

test('bodies no shape fits are refused with the fields they lack', () => {
  const reason = (raw: unknown) => {
    const outcome = validateEvent(map(raw));
    return outcome.kind === 'ok' ? 'accepted' : outcome.reason;
  };
  assert.equal(reason({ x: 1, y: 2 }), `missing: type, site, user_id, session_id, url (type is one of ${types})`);
  assert.equal(reason({ event_type: 'click', session: 'x' }), `missing: type, site, user_id, session_id, url (type is one of ${types})`);
  assert.equal(reason({ user_id: 'u', session_id: 's', page: '/' }), `missing: type, site, url (type is one of ${types})`);
});

test('mapped events go through ingest like any other: enriched and routed to their topic', () => {
  const topics = topicNames();
  const context = { ip: '203.0.113.9', userAgent: CHROME_UA, now, anonymizeIp: false };
  const options = {
    sites: new Set(['demo']),
    topics,
    allowedTypes: ['mouse_move'] as const,
    defaultType: 'mouse_move' as const,
    source: '/api/coordinates',
  };
  const plan = planBatch([map({ x: 5, y: 6, user_id: 'u1' }), map({ event_type: 'button_click', session_id: 's' })], context, options);
  assert.equal(plan.accepted, 1);
  assert.equal(plan.records[0]?.topic, topics.mouseCoordinates);
  assert.deepEqual(
    plan.rejections.map((r) => r.reason),
    ['event type "click" is not accepted on /api/coordinates'],
  );
});

test('the default site is the first collected key, or demo when any key is collected', () => {
  assert.equal(defaultSiteOf(new Set(['shop', 'blog'])), 'shop');
  assert.equal(defaultSiteOf('any'), 'demo');
});
