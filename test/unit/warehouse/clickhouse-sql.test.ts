import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clickHouseWarehouseOver } from '../../../src/stores/warehouse/clickhouse/index.ts';
import { planRange } from '../../../src/stores/warehouse/clickhouse/queries.ts';
import { sqlDateTime, sqlIdentifier, sqlList, sqlNumber, sqlString, sqlUInt } from '../../../src/stores/warehouse/clickhouse/sql.ts';
import { checkClickHouseBotUpgrade } from '../../helpers/bot-upgrade.ts';
import { defineWarehouseSuite } from '../../helpers/warehouse-suite.ts';
import { chdbExecutor, chdbMissing, currentEngine } from '../../helpers/chdb.ts';

/**
 * The ClickHouse adapter's SQL on a current ClickHouse engine: chdb (npm, a dev dependency) embeds
 * one in process (26.x at the time of writing), so this runs with no server. The whole shared
 * Warehouse suite runs over it — every migration and every query template of the adapter, the
 * same code the integration test runs against Debian 12's ClickHouse 18.16.
 */

describe('sql literals', () => {
  test('strings: quotes, backslashes and control characters are escaped; nothing else changes', () => {
    assert.equal(sqlString("it's"), "'it\\'s'");
    assert.equal(sqlString('a\\b'), "'a\\\\b'");
    assert.equal(sqlString("x' OR 1=1 --"), "'x\\' OR 1=1 --'");
    assert.equal(sqlString('line\nnext\r\ttab\0nul\u0001\u007f'), "'line\\nnext\\r\\ttab\\0nul\\x01\\x7f'");
    assert.equal(sqlString('ünï 😀 "q"'), '\'ünï 😀 "q"\'');
    assert.equal(sqlString('a\ud800b'), "'a\ufffdb'", 'a lone surrogate reads as U+FFFD, as rows store it');
    assert.throws(() => sqlString(42 as unknown as string), TypeError);
  });

  test('numbers: finite only; unsigned integers for ids, offsets and limits', () => {
    assert.equal(sqlNumber(12), '12');
    assert.equal(sqlNumber(-0.25), '-0.25');
    assert.equal(sqlNumber(-0), '0');
    assert.equal(sqlNumber(1.5e-7), '1.5e-7');
    for (const bad of [Number.NaN, Infinity, -Infinity, 2 ** 60, 1e21]) assert.throws(() => sqlNumber(bad), RangeError);
    assert.throws(() => sqlNumber('1; DROP TABLE x' as unknown as number), RangeError);
    assert.equal(sqlUInt(0), '0');
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 60]) assert.throws(() => sqlUInt(bad), RangeError);
    assert.equal(sqlDateTime(1_700_000_000_999), 'toDateTime(1700000000)');
    assert.equal(sqlDateTime(-5), 'toDateTime(0)', 'clamped into DateTime');
    assert.equal(sqlDateTime(1e16), 'toDateTime(4294967295)');
  });

  test('identifiers: plain names only', () => {
    assert.equal(sqlIdentifier('pulse_test_1'), '`pulse_test_1`');
    for (const bad of ['', '1abc', 'a-b', 'a`b', 'a b', 'x; DROP DATABASE y', 'a'.repeat(64)])
      assert.throws(() => sqlIdentifier(bad), RangeError);
    assert.equal(
      sqlList([1, 2], (n) => sqlUInt(n)),
      '(1, 2)',
    );
    assert.throws(() => sqlList([], sqlString), RangeError);
  });
});

describe('range plans: whole hours from the hourly table, whole minutes from the minute table, ms edges from raw', () => {
  const MIN = 60_000;
  const H = 60 * MIN;
  const base = Date.parse('2025-02-28T21:00:00.000Z');
  test('an aligned range needs no raw rows', () => {
    assert.deepEqual(planRange(base, base + 2 * H, true), { hour: [{ from: base, to: base + 2 * H }], minute: [], raw: [] });
  });
  test('an odd range: raw ms edges, minutes up to the hours, the hours in between', () => {
    const from = base + 37 * MIN + 12_345;
    const to = base + 3 * H + 51 * MIN + 500;
    assert.deepEqual(planRange(from, to, true), {
      hour: [{ from: base + H, to: base + 3 * H }],
      minute: [
        { from: base + 38 * MIN, to: base + H },
        { from: base + 3 * H, to: base + 3 * H + 51 * MIN },
      ],
      raw: [
        { from, to: base + 38 * MIN },
        { from: base + 3 * H + 51 * MIN, to },
      ],
    });
    assert.deepEqual(planRange(from, to, false).hour, [], 'minute series never use the hourly table');
  });
  test('inside one minute, empty and reversed ranges', () => {
    assert.deepEqual(planRange(base + 1, base + 59_000, true), { hour: [], minute: [], raw: [{ from: base + 1, to: base + 59_000 }] });
    assert.deepEqual(planRange(base, base, true), { hour: [], minute: [], raw: [] });
    assert.deepEqual(planRange(base + 1, base, true), { hour: [], minute: [], raw: [] });
  });
});

describe('on current ClickHouse (chdb)', { skip: chdbMissing }, () => {
  test('string literals read back as the same string', async () => {
    const engine = currentEngine();
    const samples = [
      "it's",
      'back\\slash \\n not a newline',
      String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i), 0x7f),
      'ünï-😀 Straße — "quotes"',
      "'; DROP TABLE x; --",
    ];
    for (const sample of samples) {
      const text = (await engine.queryAsync(`SELECT ${sqlString(sample)} AS v`, { format: 'JSONEachRow' })).text();
      assert.equal((JSON.parse(text) as { v: string }).v, sample);
    }
  });
});

if (chdbMissing === undefined) {
  let counter = 0;
  defineWarehouseSuite('ClickHouse warehouse SQL on current ClickHouse (chdb)', async (options) => {
    const database = `pulse_chdb_${process.pid}_${(counter += 1)}`;
    const executor = chdbExecutor(currentEngine());
    const warehouse = clickHouseWarehouseOver(executor, { database, ...options });
    return { warehouse, readErrors: () => warehouse.readErrors(), cleanup: () => warehouse.dropDatabase() };
  });
}

test(
  'on current ClickHouse (chdb): the bots migration rebuilds the aggregates the previous version wrote without bots',
  { skip: chdbMissing },
  async () => {
    const database = `pulse_chdb_upgrade_${process.pid}`;
    const executor = chdbExecutor(currentEngine());
    try {
      await checkClickHouseBotUpgrade(executor, database);
    } finally {
      await executor.command(`DROP DATABASE IF EXISTS ${sqlIdentifier(database)}`);
    }
  },
);
