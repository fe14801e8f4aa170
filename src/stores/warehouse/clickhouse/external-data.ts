/**
 * ClickHouse's external data: a small table sent beside a SELECT in the same HTTP request
 * (multipart/form-data, `<name>_structure` and `<name>_format` as URL parameters), which the query
 * reads as `<name>`. A batch's keys travel as TabSeparated rows that the server parses in one pass,
 * instead of as an IN list of SQL literals inside the query text, which ClickHouse's SQL parser
 * reads several times slower (writeEvents' lookup of a 5,000-event batch on 18.16: 55 ms with IN
 * lists, 15 ms with external data; BENCHMARKS.md). Written here by hand because the official
 * client (1.23) has no way to attach external tables (ClickHouse/clickhouse-js#356). Works on
 * 18.16 and current servers.
 */

/** A table of string columns sent with one query. */
export interface ExternalTable {
  /** The name the query reads it by (a plain identifier). */
  name: string;
  /** Its columns, all String. */
  columns: readonly string[];
  rows: readonly (readonly string[])[];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const escapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };

/** A String field of TabSeparated text, escaped as 18.16 and current ClickHouse read it. */
export const tsvString = (value: string): string =>
  /[\\\t\n\r\0]/.test(value) ? value.replace(/[\\\t\n\r\0]/g, (c) => escapes[c] ?? c) : value;

/** The table as TabSeparated text, escaped as ClickHouse reads String fields. */
export function externalTableText(table: ExternalTable): string {
  let text = '';
  for (const row of table.rows) {
    if (row.length !== table.columns.length)
      throw new RangeError(`external table ${table.name}: a row has ${row.length} fields for ${table.columns.length} columns`);
    text += `${row.map(tsvString).join('\t')}\n`;
  }
  return text;
}

/** `name String, …` for `<name>_structure`. */
export function externalTableStructure(table: ExternalTable): string {
  for (const name of [table.name, ...table.columns]) if (!IDENTIFIER.test(name)) throw new RangeError(`not a plain identifier: ${name}`);
  return table.columns.map((column) => `${column} String`).join(', ');
}

/**
 * Runs `sql` (a SELECT without FORMAT) with `table` attached and returns its rows (JSONEachRow;
 * 64-bit integers arrive as strings). Credentials in `url` go as Basic auth, as the client sends
 * them. A refusal throws an Error whose message is the server's text (it starts with "Code: N").
 */
export async function queryWithExternalTable<T extends Record<string, unknown>>(
  url: string,
  sql: string,
  table: ExternalTable,
  timeoutMs: number,
): Promise<T[]> {
  const endpoint = new URL(url);
  const headers: Record<string, string> = {};
  if (endpoint.username !== '' || endpoint.password !== '') {
    const user = decodeURIComponent(endpoint.username);
    const password = decodeURIComponent(endpoint.password);
    headers['authorization'] = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    endpoint.username = '';
    endpoint.password = '';
  }
  endpoint.searchParams.set('query', `${sql} FORMAT JSONEachRow`);
  endpoint.searchParams.set(`${table.name}_structure`, externalTableStructure(table));
  endpoint.searchParams.set(`${table.name}_format`, 'TabSeparated');
  const data = new Blob([externalTableText(table)]);
  const send = () => {
    const form = new FormData();
    form.append(table.name, data, `${table.name}.tsv`);
    return fetch(endpoint, { method: 'POST', headers, body: form, signal: AbortSignal.timeout(timeoutMs) });
  };
  // A kept-alive connection the server closed while idle fails before any answer; the SELECT is
  // idempotent, so it is sent once more on a new connection (as the official client does).
  const response = await send().catch((error: unknown) => {
    if (!closedByServer(error)) throw error;
    return send();
  });
  const text = await response.text();
  if (!response.ok) throw new Error(text.trim() === '' ? `HTTP ${response.status}` : text.trim());
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as T);
}

function closedByServer(error: unknown): boolean {
  const code = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE';
}
