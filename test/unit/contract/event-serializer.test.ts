import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createEventSerializer, enrichEvent, type RequestContext } from '../../../src/contract/enrich-event.ts';
import { Enrichment, eventSchemas, eventTypes, type WireEvent } from '../../../src/contract/event-schema.ts';
import { validateEnrichedEvent, validateEvent } from '../../../src/contract/validate-event.ts';

/**
 * Ingest writes each record's text with createEventSerializer, which appends the enrichment to the
 * event's own JSON from pieces serialised once per request or URL. It must give exactly the text of
 * `JSON.stringify(enrichEvent(event, context))` (the object enrichment), whatever the event, request
 * and URLs; only the generated event_id differs between two calls, so it is masked before comparing.
 */

const runs = { numRuns: 400, seed: 14_002 };
const uuid = /"event_id":"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"/;
const masked = (json: string): string => json.replace(uuid, '"event_id":"<generated>"');

const userAgents = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'curl/8.0',
  '',
  'weird "quoted" \\ agent \u2028 ünïcödé',
];
const text = (max: number) => fc.string({ unit: 'binary', maxLength: max });
const pageUrl = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom(
    'https://shop.example/p?utm_source=news&utm_medium=mail&utm_campaign=a%20b&utm_term=%22x%22&utm_content=%E2%9C%93',
    'https://shop.example/?',
    'https://xn--bcher-kva.example:8443/ä/b?q=1#top',
  ),
);
const referrer = fc.oneof(fc.constant(''), fc.webUrl({ withQueryParameters: true }), text(40), fc.constant('not a url'));

const wireEvent = fc.record(
  {
    type: fc.constantFrom(...eventTypes),
    site: fc.stringMatching(/^[a-z0-9]{1,16}$/),
    user_id: text(40).filter((s) => s.length > 0),
    session_id: text(40).filter((s) => s.length > 0),
    url: pageUrl,
    v: fc.constant(1),
    event_id: fc.stringMatching(/^[A-Za-z0-9_:.-]{8,64}$/),
    referrer,
    title: text(60),
    props: fc.dictionary(text(20), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
    automated: fc.boolean(),
    x: fc.integer({ min: 0, max: 4000 }),
    y: fc.integer({ min: 0, max: 4000 }),
    name: text(30).filter((s) => s.length > 0),
    // Not in the contract: validation drops them before enrichment.
    host: fc.constant('injected.example'),
    is_bot: fc.constant(false),
  },
  { requiredKeys: ['type', 'site', 'user_id', 'session_id', 'url'] },
);

const context = fc.record({
  ip: fc.oneof(fc.constant(null), fc.ipV4(), fc.ipV6()),
  userAgent: fc.constantFrom(...userAgents),
  now: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }),
  anonymizeIp: fc.boolean(),
});

test('the serialised event is the JSON of the enriched event, byte for byte', () => {
  let compared = 0;
  fc.assert(
    fc.property(fc.array(wireEvent, { minLength: 1, maxLength: 6 }), context, (raws, ctx: RequestContext) => {
      const serialize = createEventSerializer(ctx);
      for (const raw of raws) {
        const outcome = validateEvent(structuredClone(raw));
        if (outcome.kind !== 'ok') continue;
        const event = outcome.value;
        compared += 1;
        const { json, eventId } = serialize(event);
        const expected = JSON.stringify(enrichEvent(event, ctx));
        assert.equal(masked(json), masked(expected));
        const parsed = JSON.parse(json) as { event_id: string };
        assert.equal(parsed.event_id, eventId);
        if (event.event_id !== undefined) assert.equal(eventId, event.event_id);
        assert.equal(validateEnrichedEvent(parsed).kind, 'ok', 'a worker reads it as a valid enriched event');
      }
    }),
    runs,
  );
  assert.ok(compared > runs.numRuns, `only ${compared} valid events were compared`);
});

test('each event gets its own event_id when it brings none', () => {
  const serialize = createEventSerializer({ ip: '203.0.113.9', userAgent: userAgents[0] as string, now: new Date(), anonymizeIp: true });
  const event = { type: 'page_view', site: 'demo', user_id: 'u', session_id: 's', url: 'https://a.example/' } as WireEvent;
  const ids = new Set(Array.from({ length: 50 }, () => serialize(event).eventId));
  assert.equal(ids.size, 50);
});

test('events outside the validated shape take the long way and still match', () => {
  const ctx: RequestContext = {
    ip: '10.0.0.1',
    userAgent: userAgents[1] as string,
    now: new Date('2026-01-01T00:00:00Z'),
    anonymizeIp: false,
  };
  const serialize = createEventSerializer(ctx);
  const odd = [
    {
      type: 'page_view',
      site: 'demo',
      user_id: 'u',
      session_id: 's',
      url: 'https://a.example/x',
      host: 'spoofed',
      v: 1,
      event_id: 'client-0001',
    },
    { type: 'page_view', site: 'demo', user_id: 'u', session_id: 's', url: 'https://a.example/x', v: undefined, event_id: 'client-0002' },
  ] as unknown as WireEvent[];
  for (const event of odd) assert.equal(serialize(event).json, JSON.stringify(enrichEvent(event, ctx)));
});

test('of the enrichment fields, the wire contract names only v and event_id (what the serializer relies on)', () => {
  const added = new Set(Object.keys(Enrichment.properties));
  for (const type of eventTypes) {
    const shared = Object.keys(eventSchemas[type].properties).filter((name) => added.has(name));
    assert.deepEqual(shared.sort(), ['event_id', 'v'], type);
  }
});
