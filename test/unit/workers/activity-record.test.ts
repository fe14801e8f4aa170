import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BusRecord } from '../../../src/bus/bus.ts';
import { enrichEvent } from '../../../src/contract/enrich-event.ts';
import type { EnrichedEvent } from '../../../src/contract/event-schema.ts';
import type { Outcome } from '../../../src/contract/outcome.ts';
import { validateEnrichedEvent } from '../../../src/contract/validate-event.ts';
import { decodeEvent, decodeEventWith } from '../../../src/workers/decode-event.ts';
import { CHROME_UA, pageView } from '../../helpers/events.ts';

/** Seed 004's event, exactly as its producer sends it. */
const seedEvent = { user_id: 123, action: 'view', page: '/home', timestamp: '2023-10-01T12:00:00Z' };
const APPENDED = Date.parse('2026-12-01T10:00:00.000Z');
const types = 'page_view, click, form_submit, mouse_move, custom';

function busRecord(value: unknown, overrides: Partial<BusRecord> = {}): BusRecord {
  return {
    topic: 'user-activity',
    partition: 2,
    offset: 41,
    key: null,
    value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    headers: {},
    timestamp: APPENDED,
    ...overrides,
  };
}

const decode = decodeEventWith({ defaultSite: 'shop' });

function accepted(outcome: Outcome<EnrichedEvent>): EnrichedEvent {
  assert.equal(outcome.kind, 'ok', outcome.kind === 'ok' ? '' : outcome.reason);
  return (outcome as { value: EnrichedEvent }).value;
}
const reasonOf = (outcome: Outcome<unknown>): string => (outcome.kind === 'ok' ? 'accepted' : outcome.reason);

test('the worker pipeline names its steps, the activity mapping among them', () => {
  assert.deepEqual(decode.steps, ['readRecordJson', 'mapActivityRecord', 'checkEnrichedEvent']);
});

test("seed 004's record becomes a page view of the default site, with ingest's enrichment filled in", () => {
  const event = accepted(decode(busRecord(seedEvent)));
  assert.deepEqual(
    { ...event, session_id: undefined, event_id: undefined },
    {
      type: 'page_view',
      v: 1,
      site: 'shop',
      user_id: '123',
      session_id: undefined,
      url: 'https://shop/home',
      ts: '2023-10-01T12:00:00.000Z',
      event_id: undefined,
      received_at: '2026-12-01T10:00:00.000Z',
      ip: null,
      user_agent: '',
      browser: null,
      browser_version: null,
      os: null,
      device: 'other',
      is_bot: false,
      bot_name: null,
      host: 'shop',
      path: '/home',
      referrer_host: null,
      utm_source: null,
      utm_medium: null,
      utm_campaign: null,
      utm_term: null,
      utm_content: null,
    },
  );
  assert.match(event.event_id, /^[A-Za-z0-9_:.-]{8,64}$/, 'the contract pattern of a client event id');
  assert.equal(validateEnrichedEvent(JSON.parse(JSON.stringify(event))).kind, 'ok', 'what the sinks receive holds to the contract');
});

test('the default site is the fallback one when none is configured', () => {
  assert.equal(accepted(decodeEvent(busRecord(seedEvent))).site, 'demo');
});

test('a redelivered record is the same event; another offset is another event', () => {
  const first = accepted(decode(busRecord(seedEvent)));
  assert.deepEqual(accepted(decode(busRecord(seedEvent))), first);
  assert.notEqual(accepted(decode(busRecord(seedEvent, { offset: 42 }))).event_id, first.event_id);
  assert.notEqual(accepted(decode(busRecord(seedEvent, { partition: 0 }))).event_id, first.event_id);
  assert.notEqual(accepted(decode(busRecord(seedEvent, { topic: 'staging.user-activity' }))).event_id, first.event_id);
});

test('sessions are derived from the user and a 30-minute window of event time', () => {
  const at = (user_id: unknown, timestamp: string) => accepted(decode(busRecord({ ...seedEvent, user_id, timestamp }))).session_id;
  const session = at(123, '2023-10-01T12:00:00Z');
  assert.equal(at(123, '2023-10-01T12:29:59Z'), session, 'same window');
  assert.equal(at('123', '2023-10-01T12:10:00Z'), session, 'the number and its string are one visitor');
  assert.notEqual(at(123, '2023-10-01T12:30:00Z'), session, 'the next window');
  assert.notEqual(at(124, '2023-10-01T12:00:00Z'), session, 'another user');
  const own = accepted(decode(busRecord({ ...seedEvent, session_id: 'mine', site: 'blog' })));
  assert.deepEqual([own.session_id, own.site, own.url], ['mine', 'blog', 'https://blog/home'], 'a record naming them keeps them');
});

test('timestamps: ISO-8601, epoch seconds and epoch milliseconds are one instant; none leaves ts out', () => {
  const ts = (timestamp: unknown) => accepted(decode(busRecord({ ...seedEvent, timestamp }))).ts;
  const seconds = Date.parse('2023-10-01T12:00:00Z') / 1000;
  assert.equal(ts(seconds), '2023-10-01T12:00:00.000Z');
  assert.equal(ts(seconds + 0.25), '2023-10-01T12:00:00.250Z', "Python's time.time()");
  assert.equal(ts(seconds * 1000), '2023-10-01T12:00:00.000Z');
  const untimed = accepted(decode(busRecord({ user_id: 5, action: 'view', page: '/' })));
  assert.equal(untimed.ts, undefined);
  assert.equal(untimed.received_at, '2026-12-01T10:00:00.000Z');
});

test('other actions are custom events named after them; extra fields become props; a query gives UTM', () => {
  const event = accepted(decode(busRecord({ user_id: 'u-7', action: 'add_to_cart', page: '/p/42?utm_source=mail', product: 42 })));
  assert.equal(event.type, 'custom');
  assert.equal(event.type === 'custom' ? event.name : '', 'add_to_cart');
  assert.deepEqual(event.props, { product: 42 });
  assert.deepEqual([event.path, event.utm_source], ['/p/42', 'mail']);
  const absolute = accepted(decode(busRecord({ ...seedEvent, page: 'https://www.example.com/pricing' })));
  assert.deepEqual([absolute.host, absolute.path], ['www.example.com', '/pricing']);
});

test('records ingest wrote pass through unchanged', () => {
  const enriched = enrichEvent(pageView({ site: 'demo' }) as never, {
    ip: '203.0.113.9',
    userAgent: CHROME_UA,
    now: new Date(),
    anonymizeIp: false,
  });
  const roundTrip = JSON.parse(JSON.stringify(enriched)) as EnrichedEvent;
  assert.deepEqual(accepted(decode(busRecord(roundTrip))), roundTrip);
});

test('a record of neither shape is dead-lettered with the fields it lacks', () => {
  const cases: [unknown, string][] = [
    ['{not json', 'value is not JSON'],
    [[seedEvent], 'event must be a JSON object'],
    [{ hello: 'world' }, `missing: type, site, user_id, session_id, url (type is one of ${types})`],
    [{ user_id: 'u', session_id: 's', page: '/home' }, `missing: type, site, url (type is one of ${types})`],
    [{ user_id: 1, action: 'view' }, 'activity record (user_id, action, page) missing: page'],
    [{ action: '', page: '/' }, 'activity record (user_id, action, page) missing: user_id, action'],
    [{ ...seedEvent, user_id: { id: 1 } }, 'activity record: field "user_id" must be a number or a string of 1–128 characters'],
    [{ ...seedEvent, timestamp: 'yesterday' }, 'activity record: field "timestamp" must be ISO-8601 or epoch seconds or milliseconds'],
    [{ ...seedEvent, page: 42 }, 'activity record: field "page" must be a string'],
    [{ ...seedEvent, site: 'has space' }, 'activity record: field "site" must be a site key (letters, digits, _ . -)'],
    [{ ...seedEvent, session_id: '' }, 'field "session_id" must NOT have fewer than 1 characters'],
    [{ ...pageView(), type: 'purchase' }, `unknown event type "purchase"; expected one of ${types}`],
  ];
  for (const [value, reason] of cases) assert.equal(reasonOf(decode(busRecord(value))), reason, JSON.stringify(value));
});
