import assert from 'node:assert/strict';
import { test } from 'node:test';
import { externalTableStructure, externalTableText } from '../../../src/stores/warehouse/clickhouse/external-data.ts';

test('an external table is TabSeparated text with every String escape ClickHouse reads', () => {
  const table = {
    name: 'pulse_batch',
    columns: ['site', 'event_id'],
    rows: [
      ['a\tb', 'c\nd'],
      ['back\\slash', 'nul\u0000\r'],
    ],
  };
  assert.equal(externalTableText(table), 'a\\tb\tc\\nd\nback\\\\slash\tnul\\0\\r\n');
  assert.equal(externalTableStructure(table), 'site String, event_id String');
  assert.equal(externalTableText({ ...table, rows: [] }), '');
});

test('names that are not plain identifiers and rows of the wrong width are refused before anything is sent', () => {
  assert.throws(() => externalTableStructure({ name: 'x; DROP', columns: ['a'], rows: [] }), RangeError);
  assert.throws(() => externalTableStructure({ name: 'ok', columns: ['a b'], rows: [] }), RangeError);
  assert.throws(() => externalTableText({ name: 'ok', columns: ['a', 'b'], rows: [['1']] }), /1 fields for 2 columns/);
});
