import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { checkTabSeparatedRoundTrip } from '../helpers/clickhouse-tsv-check.ts';
import { clickhouseUrl } from '../helpers/services.ts';

// The rows the HTTP executor sends as TabSeparated, read by the scripts/stack server (Debian's ClickHouse 18.16).
test('TabSeparated rows read back exactly on the stack ClickHouse', async () => {
  const database = `pulse_test_tsv_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const run = async (sql: string) => {
    const newline = sql.indexOf('\n');
    const [query, body] = sql.startsWith('INSERT') && newline > 0 ? [sql.slice(0, newline), sql.slice(newline + 1)] : [sql, undefined];
    const url = new URL(clickhouseUrl);
    const response = await fetch(`${url.origin}/?query=${encodeURIComponent(query)}`, {
      method: 'POST',
      body: body ?? '',
      headers:
        url.username === ''
          ? {}
          : { authorization: `Basic ${btoa(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`)}` },
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`clickhouse: ${text.split('\n', 1)[0] ?? ''}`);
    return text;
  };
  await run(`CREATE DATABASE ${database}`);
  try {
    await checkTabSeparatedRoundTrip(run, `${database}.rows`);
  } finally {
    await run(`DROP DATABASE IF EXISTS ${database}`);
  }
});
