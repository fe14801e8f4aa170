import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { enrichEvent, type RequestContext } from '../../../src/contract/enrich-event.ts';
import { eventTypes, type EventType, type WireEvent } from '../../../src/contract/event-schema.ts';
import { validateEnrichedEvent, validateEvent } from '../../../src/contract/validate-event.ts';

/**
 * Properties of the event contract (src/contract/event-schema.ts) as ingest applies it: every event
 * the contract documents is accepted and enrichment keeps what it says; every single break of a
 * documented constraint is refused with a reason naming the field; nothing throws, whatever arrives.
 */

const runs = { numRuns: 300, seed: 1_301 };

type Fields = Record<string, unknown>;

/** Text of any Unicode code points, `min` to `max` of them (what JSON Schema's minLength/maxLength count). */
const text = (min: number, max: number) => fc.string({ unit: 'binary', minLength: min, maxLength: max });
const siteKey = fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/);
const eventId = fc.stringMatching(/^[A-Za-z0-9_:.-]{8,64}$/);
const pageUrl = fc.webUrl({ withQueryParameters: true, withFragments: true }).filter((url) => url.length <= 2048);
const isoTime = fc
  .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => d.toISOString());
const dimension = fc.integer({ min: 0, max: 100_000 });
const position = fc.double({ min: 0, max: 100_000, noNaN: true, noDefaultInfinity: true });

const common = {
  v: fc.constant(1),
  event_id: eventId,
  ts: isoTime,
  referrer: text(0, 2048),
  title: text(0, 512),
  screen_w: dimension,
  screen_h: dimension,
  language: text(0, 35),
  props: fc.dictionary(text(0, 128), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
};

/** Required and optional fields of each type beside the common ones. */
const byType: Record<EventType, { required: Record<string, fc.Arbitrary<unknown>>; optional: Record<string, fc.Arbitrary<unknown>> }> = {
  page_view: { required: {}, optional: { duration: fc.double({ min: 0, max: 86_400, noNaN: true, noDefaultInfinity: true }) } },
  click: { required: {}, optional: { selector: text(0, 512), text: text(0, 256) } },
  form_submit: { required: {}, optional: { form_id: text(0, 256), form_name: text(0, 256) } },
  mouse_move: { required: { x: position, y: position }, optional: { viewport_w: dimension, viewport_h: dimension } },
  custom: { required: { name: text(1, 128) }, optional: {} },
};

const validEventOf = (type: EventType): fc.Arbitrary<Fields> => {
  const fields: Record<string, fc.Arbitrary<unknown>> = {
    type: fc.constant(type),
    site: siteKey,
    user_id: text(1, 128),
    session_id: text(1, 128),
    url: pageUrl,
    ...byType[type].required,
    ...common,
    ...byType[type].optional,
  };
  return fc.record(fields, { requiredKeys: ['type', 'site', 'user_id', 'session_id', 'url', ...Object.keys(byType[type].required)] });
};

/** Events as ingest gets them: parsed from JSON. */
const asJson = (event: Fields): Fields => JSON.parse(JSON.stringify(event)) as Fields;
const validEvent = fc
  .constantFrom(...eventTypes)
  .chain(validEventOf)
  .map(asJson);

const requestContext: fc.Arbitrary<RequestContext> = fc.record({
  ip: fc.option(fc.oneof(fc.ipV4(), fc.ipV6()), { nil: null }),
  userAgent: fc.oneof(
    fc.constant(''),
    fc.constant('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'),
    fc.constant('Googlebot/2.1 (+http://www.google.com/bot.html)'),
    text(0, 200),
  ),
  now: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }),
  anonymizeIp: fc.boolean(),
});

const reasonOf = (outcome: ReturnType<typeof validateEvent>): string => (outcome.kind === 'ok' ? '' : outcome.reason);

test('every event the contract documents is accepted as it is', () => {
  fc.assert(
    fc.property(validEvent, (event) => {
      const sent = structuredClone(event);
      const outcome = validateEvent(sent);
      assert.equal(outcome.kind, 'ok', reasonOf(outcome));
      assert.deepEqual(outcome.kind === 'ok' ? outcome.value : undefined, event, 'nothing of a valid event is changed or dropped');
    }),
    runs,
  );
});

test('enrichment keeps every field of the event, adds what the server knows, and is a valid record', () => {
  fc.assert(
    fc.property(validEvent, requestContext, (event, context) => {
      const outcome = validateEvent(structuredClone(event));
      assert.equal(outcome.kind, 'ok', reasonOf(outcome));
      const wire = (outcome as { value: WireEvent }).value;
      const enriched = enrichEvent(wire, context) as unknown as Fields;
      for (const [field, value] of Object.entries(event)) assert.deepEqual(enriched[field], value, `field ${field} is kept`);
      assert.equal(enriched['v'], 1);
      if (event['event_id'] === undefined) assert.match(String(enriched['event_id']), /^[0-9a-f-]{36}$/);
      assert.equal(enriched['received_at'], context.now.toISOString());
      assert.equal(enriched['user_agent'], context.userAgent);
      const url = new URL(String(event['url']));
      assert.equal(enriched['host'], url.host);
      assert.equal(enriched['path'], url.pathname);
      assert.equal(enriched['utm_source'], url.searchParams.get('utm_source'));
      if (context.ip === null) assert.equal(enriched['ip'], null);
      else if (!context.anonymizeIp) assert.equal(enriched['ip'], context.ip);
      else assert.notEqual(enriched['ip'], undefined);
      const record = validateEnrichedEvent(JSON.parse(JSON.stringify(enriched)));
      assert.equal(record.kind, 'ok', `the record a worker reads is valid: ${reasonOf(record as ReturnType<typeof validateEvent>)}`);
    }),
    runs,
  );
});

/** One break of a documented constraint: the field it is about and the value (undefined: the field is left out). */
interface Mutation {
  field: string;
  value: unknown;
}

const tooLong = (max: number) => text(max + 1, max + 8);
const outOfRange = (min: number, max: number, integer: boolean) =>
  fc.oneof(
    fc.double({ max: min, maxExcluded: true, noNaN: true, noDefaultInfinity: true }),
    fc.double({ min: max, minExcluded: true, noNaN: true, noDefaultInfinity: true }),
    ...(integer ? [fc.double({ min, max, noNaN: true }).filter((n) => !Number.isInteger(n))] : []),
  );
const notText = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }));

/** Breaks of the constraints every type shares. */
const commonBreaks: fc.Arbitrary<Mutation>[] = [
  fc.record({
    field: fc.constant('site'),
    value: fc.oneof(
      fc.constant(''),
      fc.stringMatching(/^[A-Za-z0-9_.-]{65,70}$/),
      fc.stringMatching(/^[a-z]{1,5}[ /#?é][a-z]{0,5}$/),
      notText,
    ),
  }),
  fc.record({ field: fc.constantFrom('user_id', 'session_id'), value: fc.oneof(fc.constant(''), tooLong(128), notText) }),
  fc.record({
    field: fc.constant('url'),
    value: fc.oneof(fc.constant(''), fc.constantFrom('not a url', '/relative/path', 'http://exa mple/', 'http://a:99999/'), notText),
  }),
  fc.record({ field: fc.constant('url'), value: pageUrl.map((url) => `${url}${'x'.repeat(2049)}`) }),
  fc.record({
    field: fc.constant('event_id'),
    value: fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9]{1,7}$/),
      fc.stringMatching(/^[A-Za-z0-9]{65,70}$/),
      fc.stringMatching(/^[a-z]{8,10}[/ #é]$/),
      notText,
    ),
  }),
  fc.record({
    field: fc.constant('ts'),
    value: fc.oneof(fc.constantFrom('yesterday', '2026-13-01T00:00:00Z', '2026-11-23', '12:00:00Z'), notText),
  }),
  fc.record({ field: fc.constantFrom('screen_w', 'screen_h'), value: fc.oneof(outOfRange(0, 100_000, true), fc.constant('100')) }),
  fc.record({ field: fc.constant('v'), value: fc.oneof(fc.constantFrom(0, 2, 1.5), fc.constant('1')) }),
  fc.record({ field: fc.constant('referrer'), value: fc.oneof(tooLong(2048), notText) }),
  fc.record({ field: fc.constant('title'), value: fc.oneof(tooLong(512), notText) }),
  fc.record({ field: fc.constant('language'), value: fc.oneof(tooLong(35), notText) }),
  fc.record({ field: fc.constant('props'), value: fc.oneof(fc.array(fc.integer(), { maxLength: 2 }), fc.integer(), fc.string()) }),
  fc.record({ field: fc.constantFrom('site', 'user_id', 'session_id', 'url'), value: fc.constant(undefined) }),
];

/** Breaks of the constraints of one type. */
const typeBreaks: Record<EventType, fc.Arbitrary<Mutation>[]> = {
  page_view: [fc.record({ field: fc.constant('duration'), value: fc.oneof(outOfRange(0, 86_400, false), fc.constant('12')) })],
  click: [
    fc.record({ field: fc.constant('selector'), value: tooLong(512) }),
    fc.record({ field: fc.constant('text'), value: tooLong(256) }),
  ],
  form_submit: [fc.record({ field: fc.constantFrom('form_id', 'form_name'), value: fc.oneof(tooLong(256), notText) })],
  mouse_move: [
    fc.record({
      field: fc.constantFrom('x', 'y'),
      value: fc.oneof(outOfRange(0, 100_000, false), fc.constant(undefined), fc.constant('5')),
    }),
    fc.record({ field: fc.constantFrom('viewport_w', 'viewport_h'), value: outOfRange(0, 100_000, true) }),
  ],
  custom: [fc.record({ field: fc.constant('name'), value: fc.oneof(fc.constant(''), tooLong(128), fc.constant(undefined), notText) })],
};

test('every break of a documented constraint is refused, with a reason that names the field', () => {
  const broken = fc
    .constantFrom(...eventTypes)
    .chain((type) => fc.tuple(validEventOf(type).map(asJson), fc.oneof(...commonBreaks, ...typeBreaks[type])));
  fc.assert(
    fc.property(broken, ([event, { field, value }]) => {
      const input: Fields = { ...event };
      if (value === undefined) delete input[field];
      else input[field] = value;
      const outcome = validateEvent(input);
      assert.equal(outcome.kind, 'dlq', `${field}=${JSON.stringify(value)} is refused`);
      const reason = reasonOf(outcome);
      assert.ok(reason.includes(`"${field}"`), `the reason names ${field}: ${reason}`);
    }),
    runs,
  );
});

test('an unknown or missing type is refused with the list of types', () => {
  fc.assert(
    fc.property(
      validEvent,
      fc.oneof(
        fc.constant(undefined),
        text(0, 20).filter((t) => !(eventTypes as readonly string[]).includes(t)),
        notText,
      ),
      (event, type) => {
        const input: Fields = { ...event, type };
        if (type === undefined) delete input['type'];
        const reason = reasonOf(validateEvent(input));
        const types = 'page_view, click, form_submit, mouse_move, custom';
        if (type === undefined) assert.equal(reason, `missing: type (type is one of ${types})`);
        else assert.equal(reason, `unknown event type ${JSON.stringify(type)}; expected one of ${types}`);
      },
    ),
    runs,
  );
});

test('validation never throws and enrichment of whatever it accepts never throws', () => {
  const anyEventLike = fc.oneof(
    fc.jsonValue(),
    fc.anything(),
    validEvent.chain((event) =>
      fc.dictionary(fc.constantFrom(...Object.keys(event), 'extra'), fc.jsonValue({ maxDepth: 1 })).map((d) => ({ ...event, ...d })),
    ),
  );
  fc.assert(
    fc.property(anyEventLike, requestContext, (input, context) => {
      const outcome = validateEvent(input);
      assert.ok(outcome.kind === 'ok' || (outcome.kind === 'dlq' && outcome.reason.length > 0));
      if (outcome.kind === 'ok') enrichEvent(outcome.value, context);
    }),
    { ...runs, numRuns: 1000 },
  );
});
