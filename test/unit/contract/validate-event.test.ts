import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enrichEvent } from '../../../src/contract/enrich-event.ts';
import { validateEnrichedEvent, validateEvent } from '../../../src/contract/validate-event.ts';
import { pageView } from '../../helpers/events.ts';

const base = { site: 'demo', user_id: 'u1', session_id: 's1', url: 'https://a.example/x' };

test('every event type validates with its own fields', () => {
  for (const event of [
    { ...base, type: 'page_view', duration: 12.5 },
    { ...base, type: 'click', selector: 'button#buy', text: 'Buy' },
    { ...base, type: 'form_submit', form_id: 'contact' },
    { ...base, type: 'mouse_move', x: 10, y: 20, viewport_w: 1280, viewport_h: 800 },
    { ...base, type: 'custom', name: 'signup', props: { plan: 'pro' } },
  ]) {
    const outcome = validateEvent(event);
    assert.equal(outcome.kind === 'ok', true, `${event.type}: ${outcome.kind === 'ok' ? '' : outcome.reason}`);
  }
});

test('reasons name the problem', () => {
  const cases: [unknown, string][] = [
    [null, 'event must be a JSON object'],
    [[1], 'event must be a JSON object'],
    [{ ...base }, 'missing: type (type is one of page_view, click, form_submit, mouse_move, custom)'],
    [{ user_id: 'u1' }, 'missing: type, site, session_id, url (type is one of page_view, click, form_submit, mouse_move, custom)'],
    [{ ...base, type: 'mouse_move', x: 1 }, 'missing required field "y"'],
    [{ ...base, type: 'custom' }, 'missing required field "name"'],
    [{ ...base, type: 'page_view', duration: -1 }, 'field "duration" must be >= 0'],
    [{ ...base, type: 'page_view', site: 'has space' }, 'field "site" must match pattern "^[A-Za-z0-9_.-]{1,64}$"'],
    [{ ...base, type: 'page_view', ts: 'yesterday' }, 'field "ts" must match format "date-time"'],
    [{ ...base, type: 'page_view', v: 2 }, 'field "v" must be <= 1'],
    [{ ...base, type: 'page_view', props: [] }, 'field "props" must be object'],
  ];
  for (const [input, reason] of cases) {
    const outcome = validateEvent(input);
    assert.equal(outcome.kind === 'ok', false);
    assert.equal(outcome.kind === 'ok' ? '' : outcome.reason, reason);
  }
});

test('the test helper makes valid events', () => {
  assert.equal(validateEvent(pageView()).kind === 'ok', true);
});

test('records read from a topic must carry the enrichment and keep every field', () => {
  const enriched = enrichEvent(
    { ...base, type: 'click', selector: '#a' },
    { ip: '127.0.0.1', userAgent: 'Mozilla/5.0', now: new Date(), anonymizeIp: false },
  );
  const roundTrip = JSON.parse(JSON.stringify(enriched)) as Record<string, unknown>;
  const outcome = validateEnrichedEvent(roundTrip);
  assert.equal(outcome.kind === 'ok', true, outcome.kind === 'ok' ? '' : outcome.reason);
  assert.deepEqual(outcome.kind === 'ok' ? outcome.value : null, roundTrip);

  const raw = validateEnrichedEvent({ ...base, type: 'click' });
  assert.equal(raw.kind === 'ok', false);
  assert.match(raw.kind === 'ok' ? '' : raw.reason, /missing required field/);
});
