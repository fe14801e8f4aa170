import { test } from 'node:test';
import { chdbMissing, currentEngine } from '../../helpers/chdb.ts';
import { checkTabSeparatedRoundTrip } from '../../helpers/clickhouse-tsv-check.ts';

// The rows the HTTP executor sends as TabSeparated, read by a current ClickHouse (chdb); the integration test reads them on 18.16.
test('TabSeparated rows read back exactly on current ClickHouse (chdb)', { skip: chdbMissing }, async () => {
  const session = currentEngine();
  const database = `tsv_${process.pid}_${Date.now().toString(36)}`;
  const run = async (sql: string) => (await session.queryAsync(sql, { format: 'TabSeparated' })).text();
  await run(`CREATE DATABASE ${database}`);
  try {
    await checkTabSeparatedRoundTrip(run, `${database}.rows`);
  } finally {
    await run(`DROP DATABASE IF EXISTS ${database}`);
  }
});
