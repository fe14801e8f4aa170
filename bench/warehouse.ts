/**
 * Warehouse write throughput (issue 14, target 3), same run, same rows: each adapter's writeEvents
 * (what the warehouse worker calls per batch) in batches of 500 and 5,000, beside each database's
 * own bulk path — PostgreSQL's COPY into a plain table, clickhouse-client inserting into the same
 * table — and the embedded PGlite warehouse, with the previous PostgreSQL write path (one JSON
 * statement) beside the current one (COPY into a staging table). Every variant writes into a fresh
 * schema / database / directory, dropped afterwards; the whole set is repeated BENCH_REPEATS times
 * (the machine is shared: the spread is reported) and each ratio is taken within one repeat.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnrichedEvent } from '../src/contract/event-schema.ts';
import { enrichEvent } from '../src/contract/enrich-event.ts';
import { createPlanner } from '../src/generator/plan.ts';
import { syntheticContext } from '../src/generator/targets.ts';
import type { Warehouse } from '../src/stores/warehouse/warehouse.ts';
import { createClickHouseWarehouse, type ClickHouseWarehouse } from '../src/stores/warehouse/clickhouse/index.ts';
import { httpExecutor, tabSeparated } from '../src/stores/warehouse/clickhouse/executor.ts';
import { pageViewRow } from '../src/stores/warehouse/clickhouse/rows.ts';
import {
  copyChunks,
  distinctEvents,
  eventColumnNames,
  eventColumnTypes,
  eventRow,
  monthsOf,
} from '../src/stores/warehouse/postgres/event-rows.ts';
import { warehouseOver } from '../src/stores/warehouse/postgres/index.ts';
import { pgliteExecutor, postgresExecutor, type SqlExecutor } from '../src/stores/warehouse/postgres/sql-executor.ts';
import { clickhouseUrl, postgresUrl } from '../test/helpers/services.ts';
import { cpuSeconds, dec, envNumber, int, percentile, progress, today } from './processes.ts';
import { machine, writeSection } from './report.ts';
import { previousWriteEventsSql } from './warehouse-json-path.ts';

const EVENTS = Math.round(envNumber('BENCH_EVENTS', 50_000));
const REPEATS = Math.max(1, Math.round(envNumber('BENCH_REPEATS', 3)));
const BATCHES = [500, 5000] as const;
const BARE_INSERTS = 'the same batches as bare INSERTs (no lookup: not exactly-once)';
const CLICKHOUSE_TCP_PORT = process.env['PULSE_STACK_CLICKHOUSE_TCP_PORT'] ?? '19000';

const id = randomUUID().slice(0, 8);
const site = `benchwh${id}`;

/** One variant's run: wall time, CPU of this process and of the server process doing the work, bytes stored. */
interface Run {
  seconds: number;
  stored: number;
  batchP50Ms: number | null;
  clientCpuS: number;
  serverCpuS: number;
  storedBytes: number;
}

interface Variant {
  store: 'PostgreSQL' | 'PGlite' | 'ClickHouse';
  how: string;
  batch: string;
  runs: Run[];
}

const variants = new Map<string, Variant>();
function record(store: Variant['store'], how: string, batch: string, run: Run): void {
  const key = `${store}|${how}|${batch}`;
  const variant = variants.get(key) ?? { store, how, batch, runs: [] };
  variant.runs.push(run);
  variants.set(key, variant);
}

/** EVENTS distinct, valid page views from the generator's plan, enriched as ingest would, received over the last hour. */
function buildEvents(): EnrichedEvent[] {
  const planner = createPlanner(31, { site, idPrefix: `bw${id}`, users: 5000 });
  const from = Date.now() - 3_600_000;
  const events: EnrichedEvent[] = [];
  while (events.length < EVENTS) {
    const entry = planner.next();
    if (entry.invalid !== null || entry.duplicateOf !== null) continue;
    const at = new Date(from + Math.floor((events.length * 3_600_000) / EVENTS));
    events.push(enrichEvent({ ...entry.event, ts: at.toISOString() }, syntheticContext(entry.event.user_id, at)));
  }
  return events;
}

/** Wall time and CPU (this process; the server process `serverPid`, when known) of `work`. */
async function measured(serverPid: number | undefined, work: () => Promise<void>) {
  const server0 = serverPid === undefined ? NaN : cpuSeconds(serverPid);
  const client0 = process.cpuUsage();
  const start = performance.now();
  await work();
  const seconds = (performance.now() - start) / 1000;
  const client = process.cpuUsage(client0);
  return {
    seconds,
    clientCpuS: (client.user + client.system) / 1e6,
    serverCpuS: serverPid === undefined ? NaN : cpuSeconds(serverPid) - server0,
  };
}

/** `write` once per slice of `batch`, one after another, as the warehouse worker calls writeEvents. */
async function inBatches(
  events: readonly EnrichedEvent[],
  batch: number,
  label: string,
  write: (slice: EnrichedEvent[]) => Promise<number>,
) {
  const durations: number[] = [];
  let written = 0;
  const stop = progress(() => `${label}: ${int(written)}/${int(events.length)} rows`);
  try {
    for (let i = 0; i < events.length; i += batch) {
      const t = performance.now();
      written += await write(events.slice(i, i + batch));
      durations.push(performance.now() - t);
    }
  } finally {
    stop();
  }
  return percentile(durations, 50);
}

const adapterWrite = (warehouse: Warehouse) => async (slice: EnrichedEvent[]) => (await warehouse.writeEvents(slice)).inserted;

// ---- PostgreSQL and PGlite ----------------------------------------------------------------------

/** The previous write path: the whole slice as one JSON parameter of one statement (bench/warehouse-json-path.ts). */
function previousPathWrite(executor: SqlExecutor) {
  const months = new Set<number>();
  return async (slice: EnrichedEvent[]) => {
    const { events } = distinctEvents(slice);
    for (const month of monthsOf(events)) {
      if (months.has(month)) continue;
      await executor.query('SELECT pulse_ensure_events_partition($1::timestamptz)', [new Date(month).toISOString()]);
      months.add(month);
    }
    const [row] = await executor.query<{ inserted: number }>(previousWriteEventsSql, [JSON.stringify(events.map(eventRow))]);
    return row?.inserted ?? 0;
  };
}

/** Bytes of every table and index of a schema (TOAST included). */
async function schemaBytes(executor: SqlExecutor, schema: string): Promise<number> {
  const [row] = await executor.query<{ bytes: string }>(
    `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::text AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')`,
    [schema],
  );
  return Number(row?.bytes);
}

const backendPid = async (executor: SqlExecutor): Promise<number> =>
  Number((await executor.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]?.pid);

/** writeEvents (or the previous path) on PostgreSQL: one connection, whose server process's CPU is read. */
async function postgresAdapterRun(events: readonly EnrichedEvent[], batch: number, previous: boolean): Promise<void> {
  const schema = `bench_wh_${id}_pg${batch}${previous ? 'j' : ''}`;
  const executor = postgresExecutor({ url: postgresUrl, schema, max: 1 });
  const warehouse = warehouseOver(executor, { schema });
  try {
    await warehouse.migrate();
    const pid = await backendPid(executor);
    const write = previous ? previousPathWrite(executor) : adapterWrite(warehouse);
    let batchP50Ms = NaN;
    const run = await measured(pid, async () => {
      batchP50Ms = await inBatches(events, batch, `PostgreSQL ${previous ? 'previous path' : 'writeEvents'}, ${batch}`, write);
    });
    const stored = (await warehouse.counts())['events'] ?? NaN;
    record('PostgreSQL', previous ? 'previous path (one JSON statement)' : 'adapter `writeEvents`', int(batch), {
      ...run,
      stored,
      batchP50Ms,
      storedBytes: await schemaBytes(executor, schema),
    });
  } finally {
    await executor.script(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await warehouse.close();
  }
}

/** The same rows (the adapter's own row mapping, COPY text format) in one COPY … FROM STDIN into a plain table: no partitions, indexes, claims or rollups. */
async function postgresCopyRun(events: readonly EnrichedEvent[]): Promise<void> {
  const schema = `bench_wh_${id}_copy`;
  const executor = postgresExecutor({ url: postgresUrl, schema, max: 1 });
  try {
    const types = eventColumnNames.map(
      (name) => `${name} ${eventColumnTypes[name]}${eventColumnTypes[name] === 'text' ? ' COLLATE "C"' : ''}`,
    );
    await executor.script(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.events_plain (${types.join(', ')})`);
    const pid = await backendPid(executor);
    const stop = progress(() => 'PostgreSQL COPY');
    const run = await measured(pid, () =>
      executor.copyFrom(`${schema}.events_plain (${eventColumnNames.join(', ')})`, copyChunks(events, 1000)),
    ).finally(stop);
    const [count] = await executor.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.events_plain`);
    record('PostgreSQL', '`COPY … FROM STDIN` into a plain table', 'all', {
      ...run,
      stored: Number(count?.n),
      batchP50Ms: null,
      storedBytes: await schemaBytes(executor, schema),
    });
  } finally {
    await executor.script(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await executor.close();
  }
}

/** writeEvents (or the previous path) on PGlite, on disk as embedded mode keeps it: all of it in this process. */
async function pgliteRun(events: readonly EnrichedEvent[], batch: number, previous: boolean): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pulse-bench-pglite-'));
  const executor = await pgliteExecutor({ dir });
  const warehouse = warehouseOver(executor, { schema: 'public' });
  try {
    await warehouse.migrate();
    const write = previous ? previousPathWrite(executor) : adapterWrite(warehouse);
    let batchP50Ms = NaN;
    const run = await measured(undefined, async () => {
      batchP50Ms = await inBatches(events, batch, `PGlite ${previous ? 'previous path' : 'writeEvents'}, ${batch}`, write);
    });
    record('PGlite', previous ? 'previous path (one JSON statement)' : 'adapter `writeEvents`', int(batch), {
      ...run,
      stored: (await warehouse.counts())['events'] ?? NaN,
      batchP50Ms,
      storedBytes: await schemaBytes(executor, 'public'),
    });
  } finally {
    await warehouse.close();
    await rm(dir, { recursive: true, force: true });
  }
}

// ---- ClickHouse -------------------------------------------------------------------------------

/** Runs clickhouse-client (native protocol) with `input` on stdin; resolves with its stdout. */
function clickhouseClient(query: string, input?: string): Promise<string> {
  const url = new URL(clickhouseUrl);
  const args = ['--host', url.hostname, '--port', CLICKHOUSE_TCP_PORT, '--query', query];
  if (url.username !== '') args.push('--user', decodeURIComponent(url.username));
  if (url.password !== '') args.push('--password', decodeURIComponent(url.password));
  return new Promise((resolve, reject) => {
    const child = spawn('clickhouse-client', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`clickhouse-client exited ${code}: ${stderr.split('\n', 1)[0] ?? ''}`)),
    );
    child.stdin.end(input ?? '');
  });
}

/** The ClickHouse server's process (read-only: its CPU time), when it runs on this machine. */
async function clickhouseServerPid(): Promise<number | undefined> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const comm = await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '');
    if (comm.startsWith('clickhouse-serv') || comm.trim() === 'clickhouse') {
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes('server')) return Number(entry);
    }
  }
  return undefined;
}

/** How long clickhouse-client takes to start, connect and answer SELECT 1 (median of 3): part of each of its runs. */
const clientStartMs: number[] = [];

async function clickhouseBytes(database: string): Promise<number> {
  return Number((await clickhouseClient(`SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = '${database}'`)).trim());
}

async function dropAndClose(warehouse: ClickHouseWarehouse): Promise<void> {
  try {
    await warehouse.dropDatabase();
  } finally {
    await warehouse.close();
  }
}

async function clickhouseAdapterRun(events: readonly EnrichedEvent[], batch: number, pid: number | undefined): Promise<void> {
  const warehouse = createClickHouseWarehouse({ url: clickhouseUrl, database: `bench_wh_${id}_ch${batch}` });
  try {
    await warehouse.migrate();
    let batchP50Ms = NaN;
    const run = await measured(pid, async () => {
      batchP50Ms = await inBatches(events, batch, `ClickHouse writeEvents, ${batch}`, adapterWrite(warehouse));
    });
    const stored = Number((await clickhouseClient(`SELECT count() FROM ${warehouse.database}.page_views_raw`)).trim());
    record('ClickHouse', 'adapter `writeEvents`', int(batch), {
      ...run,
      stored,
      batchP50Ms,
      storedBytes: await clickhouseBytes(warehouse.database),
    });
  } finally {
    await dropAndClose(warehouse);
  }
}

/**
 * The adapter's INSERT of each batch and nothing else (no duplicate or forgotten-visitor lookup, so
 * not exactly-once): the floor of any writer that inserts once per batch, because each INSERT
 * writes a part into page_views_raw and into each of its two aggregate tables.
 */
async function clickhouseBareInsertRun(events: readonly EnrichedEvent[], batch: number, pid: number | undefined): Promise<void> {
  const warehouse = createClickHouseWarehouse({ url: clickhouseUrl, database: `bench_wh_${id}_bare${batch}` });
  const executor = httpExecutor({ url: clickhouseUrl });
  try {
    await warehouse.migrate();
    const table = `${warehouse.database}.page_views_raw`;
    let batchP50Ms = NaN;
    const run = await measured(pid, async () => {
      batchP50Ms = await inBatches(events, batch, `ClickHouse bare INSERTs, ${batch}`, async (slice) => {
        await executor.insert(table, slice.map(pageViewRow));
        return slice.length;
      });
    });
    record('ClickHouse', BARE_INSERTS, int(batch), {
      ...run,
      stored: Number((await clickhouseClient(`SELECT count() FROM ${table}`)).trim()),
      batchP50Ms,
      storedBytes: await clickhouseBytes(warehouse.database),
    });
  } finally {
    await executor.close();
    await dropAndClose(warehouse);
  }
}

/** The same rows through clickhouse-client in one INSERT, as JSONEachRow and as TabSeparated (what the adapter sends). */
async function clickhouseClientRuns(events: readonly EnrichedEvent[], pid: number | undefined): Promise<void> {
  const start = performance.now();
  await clickhouseClient('SELECT 1');
  clientStartMs.push(performance.now() - start);
  const rows = events.map(pageViewRow);
  const tsv = tabSeparated(rows);
  if (tsv === undefined) throw new Error('page view rows cannot be sent as TabSeparated');
  const inputs = [
    { format: 'JSONEachRow', columns: '', text: `${rows.map((row) => JSON.stringify(row)).join('\n')}\n` },
    { format: 'TabSeparated', columns: ` (${tsv.columns.map((c) => `\`${c}\``).join(', ')})`, text: tsv.text },
  ];
  for (const input of inputs) {
    const warehouse = createClickHouseWarehouse({ url: clickhouseUrl, database: `bench_wh_${id}_chcli` });
    try {
      await warehouse.migrate();
      const table = `${warehouse.database}.page_views_raw`;
      const stop = progress(() => `clickhouse-client ${input.format}`);
      const run = await measured(pid, async () => {
        await clickhouseClient(`INSERT INTO ${table}${input.columns} FORMAT ${input.format}`, input.text);
      }).finally(stop);
      record('ClickHouse', `\`clickhouse-client\` INSERT … FORMAT ${input.format} (same table and views)`, 'all', {
        ...run,
        clientCpuS: NaN, // clickhouse-client's own CPU is not read; this process only waits for it
        stored: Number((await clickhouseClient(`SELECT count() FROM ${table}`)).trim()),
        batchP50Ms: null,
        storedBytes: await clickhouseBytes(warehouse.database),
      });
    } finally {
      await dropAndClose(warehouse);
    }
  }
}

// ---- report -----------------------------------------------------------------------------------

const median = (values: readonly number[]): number => {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const mid = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? (finite[mid] as number) : ((finite[mid - 1] as number) + (finite[mid] as number)) / 2;
};
const spread = (values: readonly number[], format: (n: number) => string): string => {
  const finite = values.filter(Number.isFinite);
  return finite.length < 2 ? '—' : `${format(Math.min(...finite))}–${format(Math.max(...finite))}`;
};
const perRow = (seconds: number): string => (Number.isFinite(seconds) ? dec((seconds * 1e6) / EVENTS, 0) : '—');

function find(store: Variant['store'], how: string, batch: string): Variant | undefined {
  return [...variants.values()].find((v) => v.store === store && v.how.startsWith(how) && v.batch === batch);
}

/** The ratio of two variants' rows/s within each repeat: median and range, in %. */
function ratios(a: Variant | undefined, b: Variant | undefined): number[] {
  if (a === undefined || b === undefined) return [];
  return a.runs.map((run, i) => {
    const other = b.runs[i];
    return other === undefined ? NaN : (other.seconds / run.seconds) * 100;
  });
}

function targetLine(what: string, values: number[], target: number, limit: string): string {
  const m = median(values);
  const verdict = !Number.isFinite(m) ? 'not measured' : m >= target ? '**met**' : '**not met**';
  return `| ${what} | ≥ ${target}% | ${Number.isFinite(m) ? `${Math.round(m)}%` : '—'} | ${spread(values, (n) => `${Math.round(n)}%`)} | ${verdict} | ${limit} |`;
}

async function main(): Promise<void> {
  console.error(`- building ${int(EVENTS)} enriched page views`);
  const events = buildEvents();
  const chPid = await clickhouseServerPid();
  for (let repeat = 1; repeat <= REPEATS; repeat += 1) {
    console.error(`- repeat ${repeat}/${REPEATS}: PostgreSQL`);
    for (const batch of BATCHES) {
      await postgresAdapterRun(events, batch, false);
      await postgresAdapterRun(events, batch, true);
    }
    await postgresCopyRun(events);
    console.error(`- repeat ${repeat}/${REPEATS}: PGlite`);
    for (const batch of BATCHES) {
      await pgliteRun(events, batch, false);
      await pgliteRun(events, batch, true);
    }
    console.error(`- repeat ${repeat}/${REPEATS}: ClickHouse`);
    for (const batch of BATCHES) {
      await clickhouseAdapterRun(events, batch, chPid);
      await clickhouseBareInsertRun(events, batch, chPid);
    }
    await clickhouseClientRuns(events, chPid);
  }
  for (const v of variants.values()) {
    for (const run of v.runs)
      if (run.stored !== EVENTS) throw new Error(`${v.store} ${v.how}: ${run.stored} rows stored, expected ${EVENTS}`);
  }

  const table = [...variants.values()]
    .map((v) => {
      const rates = v.runs.map((r) => EVENTS / r.seconds);
      const p50 = median(v.runs.map((r) => r.batchP50Ms ?? NaN));
      return `| ${v.store} | ${v.how} | ${v.batch} | ${int(median(rates))} | ${spread(rates, int)} | ${Number.isFinite(p50) ? dec(p50) : '—'} | ${perRow(median(v.runs.map((r) => r.clientCpuS)))} | ${perRow(median(v.runs.map((r) => r.serverCpuS)))} | ${int(median(v.runs.map((r) => r.storedBytes)) / EVENTS)} |`;
    })
    .join('\n');

  const pgCopy = find('PostgreSQL', '`COPY', 'all');
  const chJson = find('ClickHouse', '`clickhouse-client` INSERT … FORMAT JSONEachRow', 'all');
  const chTsv = find('ClickHouse', '`clickhouse-client` INSERT … FORMAT TabSeparated', 'all');
  const pg = (batch: number) => find('PostgreSQL', 'adapter', int(batch));
  const ch = (batch: number) => find('ClickHouse', 'adapter', int(batch));
  const pgLimit =
    'server-bound: per row the adapter also inserts the claim (1 index), the event (3 indexes, partition routing) and ~0.9 session and ~0.9 visitor upserts (5 more indexes), all WAL-logged; COPY writes one unindexed heap row';
  const bare = (batch: number) => find('ClickHouse', BARE_INSERTS, int(batch));
  const pct = (values: number[]) => `${Math.round(median(values))}%`;
  const chLimit = (batch: number) =>
    `one INSERT per batch: bare INSERTs of the same batches (no lookup) reach ${pct(ratios(bare(batch), chTsv))} of clickhouse-client's TabSeparated INSERT, ` +
    `because each writes a part into page_views_raw and its two aggregate tables (a part is a directory of files, two per column); ` +
    `the adapter reaches ${pct(ratios(ch(batch), bare(batch)))} of them with its one lookup request (duplicates and forgotten visitors, the batch's keys sent as external data)`;
  const targets = [
    targetLine('PostgreSQL `writeEvents` (500) ÷ COPY', ratios(pg(500), pgCopy), 50, pgLimit),
    targetLine('PostgreSQL `writeEvents` (5,000) ÷ COPY', ratios(pg(5000), pgCopy), 50, pgLimit),
    targetLine('ClickHouse `writeEvents` (500) ÷ clickhouse-client JSONEachRow', ratios(ch(500), chJson), 35, chLimit(500)),
    targetLine('ClickHouse `writeEvents` (5,000) ÷ clickhouse-client JSONEachRow', ratios(ch(5000), chJson), 50, chLimit(5000)),
    targetLine('ClickHouse `writeEvents` (500) ÷ clickhouse-client TabSeparated', ratios(ch(500), chTsv), 35, chLimit(500)),
    targetLine('ClickHouse `writeEvents` (5,000) ÷ clickhouse-client TabSeparated', ratios(ch(5000), chTsv), 50, chLimit(5000)),
  ].join('\n');
  const change = (store: Variant['store'], batch: number) =>
    `${Math.round(median(ratios(find(store, 'adapter', int(batch)), find(store, 'previous', int(batch)))))}%`;
  const startMs = median(clientStartMs);

  await writeSection(
    'warehouse',
    `## Warehouse writes: PostgreSQL, PGlite and ClickHouse

${int(EVENTS)} distinct page views (the load generator's plan, enriched as ingest would, received over the last hour), written
in the same run by each adapter's \`writeEvents\` — what \`pulse worker warehouse\` calls once per batch — in batches of
${BATCHES.map(int).join(' and ')}, one after another, and by each database's own bulk path with the same rows (the adapters' own row
mapping): PostgreSQL 15 \`COPY … FROM STDIN\` (text format, postgres.js) into a plain table with the same columns, and
\`clickhouse-client\` (native protocol, Debian's ClickHouse 18.16) inserting into the same \`page_views_raw\` with its materialized
views, as JSONEachRow (the baseline the targets were set against) and as TabSeparated (the format the adapter now sends).
PGlite is the embedded warehouse on disk, in this process. "previous path" is the PostgreSQL write path before this change (the
whole batch as one JSON parameter of one statement, \`bench/warehouse-json-path.ts\`), on the same engine. Each variant writes into
a fresh schema / database / directory, dropped afterwards; row counts are checked. The whole set ran ${REPEATS} times one after
another: rows/s is the median, with the range over the repeats; each ratio is taken within one repeat. The machine is shared
with other engineers' tests: absolute figures move a lot between runs, ratios less.

- Date: ${today()}
- Machine: ${machine()}
- Command: \`npm run bench -- warehouse\` (stack up first: \`npm run stack -- up\`; \`BENCH_EVENTS\` changes the count,
  \`BENCH_REPEATS\` the repeats)

CPU µs/row: "client" is this Node process (for PGlite: the whole engine, it runs in process), "server" the PostgreSQL backend
serving the one connection, or the whole ClickHouse server process (which also serves anyone else's queries meanwhile, so an upper
bound). Bytes/row: every table and index of the schema (PostgreSQL: \`pg_total_relation_size\`, claims, sessions and rollups
included) or every active part of the database (ClickHouse: \`system.parts\`, the aggregate tables included), over the rows written.

| store | how | batch | rows/s (median) | range | batch p50 ms | client CPU µs/row | server CPU µs/row | bytes/row stored |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${table}

Targets (issue 14, target 3), ratios of rows/s within each repeat:

| ratio | target | median | range | verdict | what limits it |
| --- | ---: | ---: | ---: | --- | --- |
${targets}

The current write path against the previous one, same engine, same run (rows/s, current ÷ previous): PostgreSQL
${change('PostgreSQL', 500)} (500) and ${change('PostgreSQL', 5000)} (5,000); PGlite ${change('PGlite', 500)} (500) and ${change('PGlite', 5000)} (5,000).
Starting \`clickhouse-client\` and answering \`SELECT 1\` took ${dec(startMs, 0)} ms (median), included in its rows. The bulk paths
write all rows at once and promise no exactly-once; the adapters do, batch by batch.
`,
  );
  console.log(table);
  console.log(targets);
}

await main();
