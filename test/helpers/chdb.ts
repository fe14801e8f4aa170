import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Chdb from 'chdb';
import type { Session } from 'chdb';
import type { ClickHouseExecutor, ExternalTable } from '../../src/stores/warehouse/clickhouse/executor.ts';
import { externalTableStructure, externalTableText } from '../../src/stores/warehouse/clickhouse/external-data.ts';
import { sqlString } from '../../src/stores/warehouse/clickhouse/sql.ts';

/**
 * A current ClickHouse engine in process: chdb (npm, a dev dependency) embeds one (26.x at the time
 * of writing), so SQL meant for every ClickHouse version can be checked with no server, beside
 * Debian 12's 18.16 in the integration tests. One session per test process, removed at exit.
 */

const chdb = await import('chdb').catch((error: unknown) => error);
/** Why chdb cannot run here (a skip reason), or undefined. */
export const chdbMissing =
  chdb instanceof Error
    ? `chdb is not installed (npm install -D chdb; it ships the engine as the @chdb/lib-<platform> npm package): ${chdb.message}`
    : undefined;

const jsonRows = <T>(text: string): T[] =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as T);

/** The executor port over a chdb session (the production one is the HTTP client). */
export function chdbExecutor(session: Session): ClickHouseExecutor {
  const run = async (sql: string, format: string) => (await session.queryAsync(sql, { format })).text();
  // One statement at a time, like a single HTTP connection would see them in order.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    command: (sql) => serial(async () => void (await run(sql, 'TabSeparated'))),
    query: <T extends Record<string, unknown>>(sql: string) => serial(async () => jsonRows<T>(await run(sql, 'JSONEachRow'))),
    // chdb takes no external data: the attached table is read through the format() table function instead.
    queryWith: <T extends Record<string, unknown>>(sql: string, table: ExternalTable) =>
      serial(async () => {
        const inline = `format(TabSeparated, ${sqlString(externalTableStructure(table))}, ${sqlString(externalTableText(table))})`;
        return jsonRows<T>(await run(sql.replace(new RegExp(`\\bFROM ${table.name}\\b`, 'g'), `FROM ${inline}`), 'JSONEachRow'));
      }),
    insert: (table, rows) =>
      serial(async () => {
        if (rows.length === 0) return;
        await run(`INSERT INTO ${table} FORMAT JSONEachRow\n${rows.map((row) => JSON.stringify(row)).join('\n')}`, 'TabSeparated');
      }),
    ping: () => serial(async () => void (await run('SELECT 1', 'TabSeparated'))),
    close: async () => undefined,
  };
}

let session: Session | undefined;
let sessionDir: string | undefined;
/** The process's chdb session (created on first use). */
export function currentEngine(): Session {
  if (session === undefined) {
    const { Session: ChdbSession } = chdb as typeof Chdb;
    sessionDir = mkdtempSync(join(tmpdir(), 'pulse-chdb-'));
    session = new ChdbSession(sessionDir);
  }
  return session;
}
process.on('exit', () => {
  session?.close();
  if (sessionDir !== undefined) rmSync(sessionDir, { recursive: true, force: true });
});
