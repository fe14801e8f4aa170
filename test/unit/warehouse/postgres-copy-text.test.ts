import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyChunks, copyField, eventColumnNames, eventCopyLine, eventRow } from '../../../src/stores/warehouse/postgres/event-rows.ts';
import { realtimeEvent } from '../../helpers/realtime-store-suite.ts';

test('COPY text fields: the four escapes, \\N for null, t/f, numbers as written', () => {
  assert.equal(copyField('a\tb\nc\rd\\e'), 'a\\tb\\nc\\rd\\\\e');
  assert.equal(copyField('\\N'), '\\\\N', 'a literal \\N stays text');
  assert.equal(copyField(null), '\\N');
  assert.equal(copyField(true), 't');
  assert.equal(copyField(false), 'f');
  assert.equal(copyField(1.5e-7), '1.5e-7');
  assert.equal(copyField('ünï 😀'), 'ünï 😀');
});

test('an event row is one line with a field per column; chunks hold every line once', () => {
  const events = Array.from({ length: 5 }, (_, i) =>
    realtimeEvent('page_view', { site: 's', user: `u\t${i}`, at: 1_700_000_000_000 + i, path: `/p\n${i}`, duration: i }),
  );
  const line = eventCopyLine(eventRow(events[0] as (typeof events)[0]));
  assert.ok(line.endsWith('\n'));
  assert.equal(line.slice(0, -1).split('\t').length, eventColumnNames.length);
  assert.equal([...copyChunks(events, 2)].join(''), events.map((e) => eventCopyLine(eventRow(e))).join(''));
  assert.equal([...copyChunks(events, 2)].length, 3);
});
