import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClickHouseQueryError, httpExecutor } from '../../src/stores/warehouse/clickhouse/index.ts';
import { clickhouseUrl } from '../helpers/services.ts';

/** Strings that TabSeparated must escape, and some it must leave alone, read back by the stack's ClickHouse 18.16. */
const awkward = [
  '',
  'plain',
  'tab\there',
  'new\nline',
  'carriage\rreturn',
  'back\\slash',
  '\\N',
  'nul\u0000byte',
  'quote \' and "double"',
  'кириллица и emoji 🚀',
  'ends with backslash\\',
];

test('a table sent beside a query (external data) reads back exactly on the stack ClickHouse', async () => {
  const executor = httpExecutor({ url: clickhouseUrl });
  try {
    const rows = awkward.map((value, i) => [String(i), value]);
    const read = await executor.queryWith<{ id: string; value: string; n: string | number }>(
      'SELECT id, value, lengthUTF8(value) AS n FROM pulse_ext ORDER BY toUInt32(id)',
      { name: 'pulse_ext', columns: ['id', 'value'], rows },
    );
    assert.deepEqual(
      read.map((r) => r.value),
      awkward,
    );
    assert.deepEqual(
      read.map((r) => Number(r.n)),
      awkward.map((value) => [...value].length),
    );
    // A tuple IN over the attached table, as writeEvents' lookup uses it.
    const matched = await executor.queryWith<{ k: string }>(
      "SELECT k FROM (SELECT arrayJoin(['a', 'b', 'c']) AS k, 's' AS site) WHERE (site, k) IN (SELECT site, k FROM keys) ORDER BY k",
      {
        name: 'keys',
        columns: ['site', 'k'],
        rows: [
          ['s', 'a'],
          ['s', 'c'],
          ['other', 'b'],
        ],
      },
    );
    assert.deepEqual(
      matched.map((r) => r.k),
      ['a', 'c'],
    );
    // The server's refusal arrives as the store error, with its code (47: unknown identifier).
    await assert.rejects(
      executor.queryWith('SELECT missing FROM pulse_ext', { name: 'pulse_ext', columns: ['id'], rows: [['1']] }),
      (error: unknown) => error instanceof ClickHouseQueryError && error.serverCode === 47 && error.code === 'PULSE_STORE_FAILED',
    );
  } finally {
    await executor.close();
  }
});
