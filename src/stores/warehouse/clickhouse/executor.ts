import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient, type ClickHouseSettings } from '@clickhouse/client';
import { PulseError } from '../../../shared/errors.ts';
import { storeCodes, type StoreErrorKind } from '../../store-errors.ts';
import { queryWithExternalTable, tsvString, type ExternalTable } from './external-data.ts';

export type { ExternalTable } from './external-data.ts';

/**
 * What the ClickHouse warehouse needs from a connection: one statement per call (ClickHouse's
 * HTTP interface takes one), rows in and out as JSON objects. The production executor is the
 * official client over HTTP; the SQL tests run the same warehouse over chdb (current ClickHouse
 * in process) through this interface.
 */
export interface ClickHouseExecutor {
  /** A statement without a result (DDL, ALTER, INSERT … SELECT). */
  command(sql: string): Promise<void>;
  /** A SELECT; its rows as JSON objects (64-bit integers arrive as strings). */
  query<T extends Record<string, unknown>>(sql: string): Promise<T[]>;
  /** A SELECT that reads `table` (sent beside it, not in its text: ClickHouse's external data). */
  queryWith<T extends Record<string, unknown>>(sql: string, table: ExternalTable): Promise<T[]>;
  /** Rows into a table (`db`.`table`); every row has the same keys (its columns). */
  insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface HttpExecutorOptions {
  /** http(s)://[user:password@]host:port */
  url: string;
  /** Per-request timeout (default 60 s; mutations are waited for by polling, not by one request). */
  requestTimeoutMs?: number | undefined;
}

/** ClickHouse reads at most max_query_size bytes of a query text (256 KiB by default). */
const DEFAULT_MAX_QUERY_SIZE = 262_144;

const settingsFor = (sql: string): ClickHouseSettings => {
  const bytes = Buffer.byteLength(sql);
  // A large IN list (a 5,000-event batch's ids) exceeds the default; the setting exists in 18.16.
  return bytes < DEFAULT_MAX_QUERY_SIZE - 1024 ? {} : { max_query_size: String(bytes + 65_536) };
};

/**
 * A DateTime value as epoch seconds. In JSON it is the number; in TabSeparated it gets leading
 * zeros to 10 digits, because ClickHouse reads a DateTime field as epoch seconds only with 5 to 10
 * digits (a time clamped to 1970, e.g. 0, would be refused), while any other numeric column refuses
 * leading zeros: only the row builder knows which of its numbers is a DateTime.
 */
export class DateTimeSeconds {
  readonly seconds: number;
  constructor(seconds: number) {
    this.seconds = seconds;
  }
  toJSON(): number {
    return this.seconds;
  }
}

/** One TabSeparated field as 18.16 and current ClickHouse read it; undefined for a value it cannot be. */
function tsvField(value: unknown): string | undefined {
  if (typeof value === 'string') return tsvString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? (Object.is(value, -0) ? '0' : String(value)) : undefined;
  if (value === null) return '\\N';
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (value instanceof DateTimeSeconds && Number.isSafeInteger(value.seconds) && value.seconds >= 0)
    return String(value.seconds).padStart(10, '0');
  return undefined;
}

/**
 * Rows as TabSeparated text (columns in the first row's key order): ClickHouse parses it several
 * times faster than JSONEachRow, which names every column in every row. Undefined when a value is
 * not a string, finite number, boolean or null (the caller then sends JSONEachRow).
 */
export function tabSeparated(rows: readonly Record<string, unknown>[]): { columns: string[]; text: string } | undefined {
  const columns = Object.keys(rows[0] ?? {});
  let text = '';
  for (const row of rows) {
    let line = '';
    for (let i = 0; i < columns.length; i += 1) {
      const field = tsvField(row[columns[i] as string]);
      if (field === undefined) return undefined;
      line += i === 0 ? field : `\t${field}`;
    }
    text += `${line}\n`;
  }
  return { columns, text };
}

/**
 * The server's message without anything after the first line, and never more than 500 chars:
 * a failing INSERT quotes the offending row, and row data must not reach the logs.
 */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n', 1)[0] ?? '';
  const cut = firstLine.replace(/: \(at row \d+\)[\s\S]*$/, '').replace(/(Cannot parse input|Cannot read)[\s\S]*$/, '$1 …');
  return cut.length > 500 ? `${cut.slice(0, 500)}…` : cut;
}

/** Server codes that pass with time: 159 timeout, 202 too many queries, 241/242 memory/readonly, 252 too many parts. */
const transientCodes = new Set([159, 202, 241, 242, 252]);
/**
 * Server codes that blame the data: 6/27/38/41/72 cannot parse text/date/number, 53 type mismatch,
 * 69 argument out of bound, 70 cannot convert, 117 incorrect data, 131 string too large.
 */
const dataCodes = new Set([6, 27, 38, 41, 53, 69, 70, 72, 117, 131]);

function kindOf(serverCode: number | undefined): StoreErrorKind {
  if (serverCode === undefined || transientCodes.has(serverCode)) return 'unavailable'; // no code: network error or timeout
  return dataCodes.has(serverCode) ? 'rejected' : 'failed';
}

export class ClickHouseQueryError extends PulseError {
  /** ClickHouse's error code when the server answered (e.g. 60 = unknown table), else undefined. */
  readonly serverCode: number | undefined;

  constructor(what: string, error: unknown) {
    const message = describe(error);
    // Current servers' errors are parsed by the client (`code`); 18.16's start with "Code: N, ".
    const parsed = (error as { code?: unknown } | null)?.code;
    const code = typeof parsed === 'string' && /^\d+$/.test(parsed) ? parsed : /^Code: (\d+)/.exec(message)?.[1];
    const serverCode = code === undefined ? undefined : Number(code);
    const kind = kindOf(serverCode);
    super(storeCodes[kind], `clickhouse ${what} failed: ${message}`, { cause: error instanceof Error ? new Error(message) : undefined });
    this.name = 'ClickHouseQueryError';
    this.serverCode = serverCode;
  }
}

/**
 * The official @clickhouse/client (HTTP). It works with Debian 12's ClickHouse 18.16 as it is:
 * it sends the query text in the body, query_id and (when set) database as URL parameters,
 * Basic auth, and no settings unless asked, all of which 18.16 understands. What this executor
 * avoids for 18.16: `{name:Type}` parameters (values are escaped by sql.ts instead), settings
 * 18.16 does not know (only max_query_size, which it has, is ever sent), response compression
 * (off, the default), and the client's own database parameter (every statement names its
 * database, so CREATE DATABASE works before the database exists). 18.16 formats errors as
 * "Code: N, e.displayText() = …", which the client does not parse into a code; describe() does.
 */
export function httpExecutor(options: HttpExecutorOptions): ClickHouseExecutor {
  const client = createClient({
    url: options.url,
    request_timeout: options.requestTimeoutMs ?? 60_000,
    compression: { request: false, response: false },
    // Failures are thrown to the caller, who logs them once (without row data).
    log: { level: ClickHouseLogLevel.OFF },
  });
  const attempt = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw new ClickHouseQueryError(what, error);
    }
  };
  return {
    command: (sql) =>
      attempt('statement', async () => {
        await client.command({ query: sql, clickhouse_settings: settingsFor(sql) });
      }),
    query: <T extends Record<string, unknown>>(sql: string) =>
      attempt('query', async () => {
        const result = await client.query({ query: sql, format: 'JSONEachRow', clickhouse_settings: settingsFor(sql) });
        return result.json<T>();
      }),
    queryWith: <T extends Record<string, unknown>>(sql: string, table: ExternalTable) =>
      attempt('query', () => queryWithExternalTable<T>(options.url, sql, table, options.requestTimeoutMs ?? 60_000)),
    insert: (table, rows) =>
      attempt(`insert into ${table}`, async () => {
        if (rows.length === 0) return;
        const tsv = tabSeparated(rows);
        if (tsv === undefined) {
          await client.insert({ table, values: rows as Record<string, unknown>[], format: 'JSONEachRow' });
          return;
        }
        const columns = tsv.columns.map((name) => `\`${name.replaceAll('`', '\\`')}\``) as [string, ...string[]];
        await client.insert({ table, columns, values: Readable.from([tsv.text], { objectMode: false }), format: 'TabSeparated' });
      }),
    ping: () =>
      attempt('ping', async () => {
        const result = await client.ping();
        if (!result.success) throw result.error;
      }),
    close: () => client.close(),
  };
}
