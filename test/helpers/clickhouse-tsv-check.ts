import assert from 'node:assert/strict';
import { DateTimeSeconds, tabSeparated } from '../../src/stores/warehouse/clickhouse/executor.ts';

/**
 * Rows the HTTP executor sends as TabSeparated must read back exactly as their JSON would: odd
 * strings (every escape, a literal `\N`, text that looks like a number), null, DateTime at both ends
 * of its range (1970 needs the 10-digit form), floats in exponent form. `run` executes one statement
 * (the INSERT carries its data after a newline) and returns JSONEachRow lines for a SELECT.
 */
export async function checkTabSeparatedRoundTrip(run: (sql: string) => Promise<string>, table: string): Promise<void> {
  await run(
    `CREATE TABLE ${table} (k UInt32, s String, n Nullable(String), at DateTime, ms UInt16, f Float64, b UInt8) ENGINE = MergeTree ORDER BY k`,
  );
  const strings = [
    'plain',
    'tab\there',
    'line\nbreak',
    'cr\rx',
    'back\\slash',
    '\\N',
    'nul\u0000end',
    'quote \' " `',
    'ünï 😀',
    '',
    '0001',
    '-',
  ];
  const rows = strings.map((s, k) => ({
    k,
    s,
    n: k % 3 === 0 ? null : s,
    at: new DateTimeSeconds(k === 0 ? 0 : k === 1 ? 4_294_967_295 : 1_700_000_000 + k),
    ms: k * 7,
    f: k === 2 ? 1.5e-7 : k === 3 ? 1e21 : k / 4,
    b: k % 2,
  }));
  const tsv = tabSeparated(rows);
  assert.ok(tsv !== undefined);
  assert.deepEqual(tsv.columns, ['k', 's', 'n', 'at', 'ms', 'f', 'b']);
  await run(`INSERT INTO ${table} (${tsv.columns.join(', ')}) FORMAT TabSeparated\n${tsv.text}`);
  const read = (await run(`SELECT k, s, n, toUInt32(at) AS at, ms, f, b FROM ${table} ORDER BY k FORMAT JSONEachRow`))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(
    read.map((r) => ({ ...r, k: Number(r['k']), at: Number(r['at']), ms: Number(r['ms']), f: Number(r['f']), b: Number(r['b']) })),
    rows.map((r) => ({ ...r, at: r.at.seconds })),
  );
  assert.equal(JSON.stringify({ at: new DateTimeSeconds(5) }), '{"at":5}', 'JSON (chdb, the fallback) sends the number');
  assert.equal(tabSeparated([{ a: { nested: true } }]), undefined, 'a value TabSeparated cannot carry: the caller sends JSON');
  assert.equal(tabSeparated([{ a: Number.NaN }]), undefined);
}
