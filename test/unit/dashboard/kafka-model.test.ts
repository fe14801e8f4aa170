import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  appendPage,
  formatBytes,
  formatRetention,
  formatTimestamp,
  fromLocalInput,
  jsonTokens,
  matchesBrowse,
  outOfSync,
  parseHeaderLines,
  partitionRecords,
  prettyValue,
  rowWindow,
  sortLag,
  sortRows,
  toLocalInput,
  topicTotals,
} from '../../../src/dashboard/web/src/kafka-model.ts';
import { defaultBrowse } from '../../../src/dashboard/web/src/kafka-route.ts';
import type { KafkaMessage } from '../../../src/dashboard/web/src/kafka-types.ts';

const message = (partition: number, offset: number, extra: Partial<KafkaMessage> = {}): KafkaMessage => ({
  partition,
  offset,
  timestamp: 1_700_000_000_000 + offset,
  key: `k-${offset}`,
  headers: {},
  value: { n: offset },
  size: 10,
  ...extra,
});

test('sizes and retention read as people write them', () => {
  assert.equal(formatBytes(null), '–');
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(600 * 1024 * 1024), '600 MiB');
  assert.equal(formatRetention(null), '–');
  assert.equal(formatRetention('-1'), 'forever');
  assert.equal(formatRetention('604800000'), '7 d');
  assert.equal(formatRetention('3600000'), '1 h');
  assert.equal(formatRetention('5400000'), '90 min');
  assert.equal(formatRetention('90061000'), '1.0 d');
  assert.equal(formatRetention('500'), '500 ms');
});

test('times: exact to the millisecond, and a datetime-local value both ways (local time)', () => {
  const at = new Date(2025, 4, 4, 13, 2, 7, 123).getTime();
  assert.equal(formatTimestamp(at), '2025-05-04 13:02:07.123');
  assert.equal(formatTimestamp(new Date(at).toISOString()), '2025-05-04 13:02:07.123');
  assert.equal(toLocalInput(at), '2025-05-04T13:02:07');
  assert.equal(fromLocalInput('2025-05-04T13:02:07'), at - 123);
  assert.equal(fromLocalInput(''), null);
  assert.equal(fromLocalInput('nonsense'), null);
});

test('partitions: records held, replicas out of sync; topic totals', () => {
  assert.equal(partitionRecords({ startOffset: 100, endOffset: 250 }), 150);
  assert.equal(partitionRecords({ startOffset: 5, endOffset: 5 }), 0);
  assert.deepEqual(outOfSync({ replicas: [1, 2, 3], isr: [1, 3] }), [2]);
  assert.deepEqual(outOfSync({ replicas: [1], isr: [1] }), []);
  const row = { replicationFactor: 3, inSyncReplicas: 3, sizeBytes: null, retentionMs: null, cleanupPolicy: 'delete' };
  assert.deepEqual(
    topicTotals([
      { name: 'a', partitions: 3, underReplicated: 1, records: 10, ...row },
      { name: 'b', partitions: 6, underReplicated: 0, records: 5, ...row },
    ]),
    { topics: 2, partitions: 9, underReplicated: 1, records: 15 },
  );
});

test('lag rows: most behind first, then topic and partition', () => {
  const rows = [
    { topic: 'b', partition: 0, committed: 1, endOffset: 1, lag: 0 },
    { topic: 'a', partition: 1, committed: 0, endOffset: 5, lag: 5 },
    { topic: 'a', partition: 0, committed: 0, endOffset: 5, lag: 5 },
  ];
  assert.deepEqual(
    sortLag(rows).map((r) => `${r.topic}${r.partition}`),
    ['a0', 'a1', 'b0'],
  );
});

test('sortRows: numbers as numbers, text by locale, nulls last both ways, stable', () => {
  const rows = [
    { name: 'b', lag: 10 },
    { name: 'a', lag: null },
    { name: 'c', lag: 9 },
    { name: 'd', lag: 10 },
  ];
  assert.deepEqual(
    sortRows(rows, (r) => r.lag, 'desc').map((r) => r.name),
    ['b', 'd', 'c', 'a'],
  );
  assert.deepEqual(
    sortRows(rows, (r) => r.lag, 'asc').map((r) => r.name),
    ['c', 'b', 'd', 'a'],
  );
  assert.deepEqual(
    sortRows(rows, (r) => r.name, 'desc').map((r) => r.name),
    ['d', 'c', 'b', 'a'],
  );
});

test('rowWindow draws the rows in view plus some, whatever the total', () => {
  assert.deepEqual(rowWindow({ scrollTop: 0, viewport: 340, rowHeight: 34, total: 5 }), { start: 0, end: 5, padTop: 0, padBottom: 0 });
  const top = rowWindow({ scrollTop: 0, viewport: 340, rowHeight: 34, total: 1000, overscan: 5 });
  assert.deepEqual(top, { start: 0, end: 16, padTop: 0, padBottom: 984 * 34 });
  const middle = rowWindow({ scrollTop: 34 * 500, viewport: 340, rowHeight: 34, total: 1000, overscan: 5 });
  assert.deepEqual(middle, { start: 495, end: 516, padTop: 495 * 34, padBottom: 484 * 34 });
  const bottom = rowWindow({ scrollTop: 34 * 995, viewport: 340, rowHeight: 34, total: 1000, overscan: 5 });
  assert.equal(bottom.end, 1000);
  assert.equal(bottom.padBottom, 0);
  assert.ok(bottom.end - bottom.start >= 11, 'a full screen at the bottom');
  // Every row is accounted for: drawn or padded.
  for (const w of [top, middle, bottom]) assert.equal(w.padTop + (w.end - w.start) * 34 + w.padBottom, 1000 * 34);
  assert.deepEqual(rowWindow({ scrollTop: 0, viewport: 340, rowHeight: 34, total: 0 }), { start: 0, end: 0, padTop: 0, padBottom: 0 });
});

test('appendPage never shows a record twice, and counts the repeats', () => {
  const first = [message(0, 9), message(1, 9), message(0, 8)];
  const next = [message(0, 8), message(1, 8), message(0, 7)];
  const joined = appendPage(first, next);
  assert.deepEqual(
    joined.messages.map((m) => `${m.partition}:${m.offset}`),
    ['0:9', '1:9', '0:8', '1:8', '0:7'],
  );
  assert.deepEqual(
    joined.added.map((m) => `${m.partition}:${m.offset}`),
    ['1:8', '0:7'],
  );
  assert.equal(joined.repeated, 1);
});

test('matchesBrowse reads the filters as the server does: key and value contain, header by name or name=value', () => {
  const m = message(2, 5, { key: 'User-42', headers: { source: 'tracker', trace: 'abc' }, value: { type: 'Page_View', path: '/x' } });
  const b = defaultBrowse();
  assert.equal(matchesBrowse(m, b), true);
  assert.equal(matchesBrowse(m, { ...b, partition: 2 }), true);
  assert.equal(matchesBrowse(m, { ...b, partition: 1 }), false);
  assert.equal(matchesBrowse(m, { ...b, key: 'user-4' }), true);
  assert.equal(matchesBrowse(m, { ...b, key: 'user-5' }), false);
  assert.equal(matchesBrowse(m, { ...b, header: 'source=track' }), true);
  assert.equal(matchesBrowse(m, { ...b, header: 'Source=TRACK' }), true);
  assert.equal(matchesBrowse(m, { ...b, header: 'trace' }), true);
  assert.equal(matchesBrowse(m, { ...b, header: 'trac' }), false, 'a header name matches whole');
  assert.equal(matchesBrowse(m, { ...b, header: 'source=api' }), false);
  assert.equal(matchesBrowse(m, { ...b, header: 'source=' }), true, 'present, any value');
  assert.equal(matchesBrowse(m, { ...b, value: 'page_view' }), true);
  assert.equal(matchesBrowse(m, { ...b, value: '"path":"/x"' }), true);
  assert.equal(matchesBrowse(m, { ...b, value: 'click' }), false);
  assert.equal(matchesBrowse(message(0, 1, { key: null, value: null }), { ...b, key: 'x' }), false);
  assert.equal(matchesBrowse(message(0, 1, { value: null }), { ...b, value: 'null' }), false, 'a tombstone has no value to match');
  assert.equal(matchesBrowse(message(0, 1, { value: 'plain text' }), { ...b, value: 'TEXT' }), true);
});

test('values: JSON indented, text as it is, null a tombstone; JSON tokens give the text back', () => {
  assert.equal(prettyValue(null), null);
  assert.equal(prettyValue('plain'), 'plain');
  assert.equal(prettyValue({ a: [1, true] }), '{\n  "a": [\n    1,\n    true\n  ]\n}');
  const pretty = prettyValue({ name: 'x "quoted"', n: -1.5e3, ok: false, none: null, list: ['a:b'] }) ?? '';
  const tokens = jsonTokens(pretty);
  assert.equal(tokens.map((t) => t.text).join(''), pretty);
  assert.deepEqual(
    tokens.filter((t) => t.kind === 'key').map((t) => t.text),
    ['"name"', '"n"', '"ok"', '"none"', '"list"'],
  );
  assert.deepEqual(
    tokens.filter((t) => t.kind === 'string').map((t) => t.text),
    ['"x \\"quoted\\""', '"a:b"'],
  );
  assert.deepEqual(
    tokens.filter((t) => t.kind === 'number').map((t) => t.text),
    ['-1500'],
  );
  assert.deepEqual(
    tokens.filter((t) => t.kind === 'literal').map((t) => t.text),
    ['false', 'null'],
  );
});

test('header lines for a test message', () => {
  assert.deepEqual(parseHeaderLines(''), {});
  assert.deepEqual(parseHeaderLines('source: test\n\ntrace-id = 42 \n'), { source: 'test', 'trace-id': '42' });
  assert.deepEqual(parseHeaderLines('url: http://x:1/a'), { url: 'http://x:1/a' });
  assert.match(String(parseHeaderLines('no separator')), /line 1/);
  assert.match(String(parseHeaderLines('ok: 1\n: value')), /line 2/);
});
