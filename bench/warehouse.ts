/**
 * Warehouse write throughput (issue 5), same run, same rows: the adapters' writeEvents (what the
 * warehouse worker calls per batch) beside the databases' own bulk loaders — PostgreSQL's COPY into
 * a plain table, and clickhouse-client inserting JSONEachRow. Every variant writes into a fresh
 * schema / database that is dropped afterwards.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import postgres from 'postgres';
import type { EnrichedEvent } from '../src/contract/event-schema.ts';
import { enrichEvent } from '../src/contract/enrich-event.ts';
import { createPlanner } from '../src/generator/plan.ts';
import { syntheticContext } from '../src/generator/targets.ts';
import type { Warehouse } from '../src/stores/warehouse/warehouse.ts';
import { createClickHouseWarehouse, type ClickHouseWarehouse } from '../src/stores/warehouse/clickhouse/index.ts';
import { pageViewRow } from '../src/stores/warehouse/clickhouse/rows.ts';
import { eventColumnNames, eventColumnTypes, eventRow } from '../src/stores/warehouse/postgres/event-rows.ts';
import { createPostgresWarehouse } from '../src/stores/warehouse/postgres/index.ts';
import { clickhouseUrl, postgresUrl } from '../test/helpers/services.ts';
import { dec, envNumber, int, percentile, progress, today } from './processes.ts';
import { machine, writeSection } from './report.ts';

const EVENTS = Math.round(envNumber('BENCH_EVENTS', 50_000));
const BATCHES = [500, 5000];
const CLICKHOUSE_TCP_PORT = process.env['PULSE_STACK_CLICKHOUSE_TCP_PORT'] ?? '19000';

const id = randomUUID().slice(0, 8);
const site = `benchwh${id}`;

interface Row {
  store: string;
  how: string;
  batch: string;
  seconds: number;
  stored: number;
  batchP50Ms: number | null;
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

/** writeEvents in slices of `batch`, one after another, as the warehouse worker does. */
async function writeInBatches(warehouse: Warehouse, events: readonly EnrichedEvent[], batch: number, label: string) {
  const durations: number[] = [];
  let written = 0;
  const stop = progress(() => `${label}: ${int(written)}/${int(events.length)} rows`);
  const start = performance.now();
  try {
    for (let i = 0; i < events.length; i += batch) {
      const t = performance.now();
      const result = await warehouse.writeEvents(events.slice(i, i + batch));
      durations.push(performance.now() - t);
      written += result.inserted;
    }
  } finally {
    stop();
  }
  return { seconds: (performance.now() - start) / 1000, batchP50Ms: percentile(durations, 50), written };
}

// ---- PostgreSQL -------------------------------------------------------------------------------

const csvValue = (value: unknown): string =>
  value === null || value === undefined ? '' : typeof value === 'number' ? String(value) : `"${String(value).replaceAll('"', '""')}"`;

async function postgresRuns(events: readonly EnrichedEvent[], rows: Row[]): Promise<void> {
  const admin = postgres(postgresUrl, { max: 1, onnotice: () => undefined });
  try {
    for (const batch of BATCHES) {
      const schema = `bench_wh_${id}_pg${batch}`;
      const warehouse = createPostgresWarehouse({ url: postgresUrl, schema });
      try {
        await warehouse.migrate();
        const run = await writeInBatches(warehouse, events, batch, `PostgreSQL writeEvents, batches of ${batch}`);
        const stored = (await warehouse.counts())['events'] ?? NaN;
        rows.push({
          store: 'PostgreSQL',
          how: 'adapter `writeEvents`',
          batch: int(batch),
          seconds: run.seconds,
          stored,
          batchP50Ms: run.batchP50Ms,
        });
      } finally {
        await warehouse.close();
        await admin.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      }
    }

    // The same rows (the adapter's own row mapping) in one COPY … FROM STDIN into a plain table:
    // no partitions, indexes, idempotency claims, sessions or rollups.
    const schema = `bench_wh_${id}_copy`;
    const columns = eventColumnNames.join(', ');
    try {
      await admin.unsafe(`CREATE SCHEMA ${schema}`);
      const types = eventColumnNames.map(
        (name) => `${name} ${eventColumnTypes[name] === 'text' ? 'text COLLATE "C"' : eventColumnTypes[name]}`,
      );
      await admin.unsafe(`CREATE TABLE ${schema}.events_plain (${types.join(', ')})`);
      let written = 0;
      const stop = progress(() => `PostgreSQL COPY: ${int(written)}/${int(events.length)} rows`);
      const start = performance.now();
      try {
        const writable = await admin.unsafe(`COPY ${schema}.events_plain (${columns}) FROM STDIN WITH (FORMAT csv)`).writable();
        const finished = once(writable, 'finish');
        for (let i = 0; i < events.length; i += 1000) {
          const chunk = events
            .slice(i, i + 1000)
            .map((event) => {
              const row = eventRow(event);
              return eventColumnNames.map((name) => csvValue(row[name])).join(',');
            })
            .join('\n');
          written += Math.min(1000, events.length - i);
          if (!writable.write(`${chunk}\n`)) await once(writable, 'drain');
        }
        writable.end();
        await finished;
      } finally {
        stop();
      }
      const seconds = (performance.now() - start) / 1000;
      const [count] = await admin.unsafe<{ n: string }[]>(`SELECT count(*) AS n FROM ${schema}.events_plain`);
      rows.push({
        store: 'PostgreSQL',
        how: '`COPY … FROM STDIN` (CSV) into a plain table',
        batch: 'all',
        seconds,
        stored: Number(count?.n),
        batchP50Ms: null,
      });
    } finally {
      await admin.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    }
  } finally {
    await admin.end();
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

/** How long clickhouse-client takes to start, connect and answer SELECT 1 (median of 3): part of each of its rows above. */
let clientStartMs = NaN;

async function clickhouseRuns(events: readonly EnrichedEvent[], rows: Row[]): Promise<void> {
  const starts: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const start = performance.now();
    await clickhouseClient('SELECT 1');
    starts.push(performance.now() - start);
  }
  clientStartMs = percentile(starts, 50);
  const count = async (table: string) => Number((await clickhouseClient(`SELECT count() FROM ${table}`)).trim());
  for (const batch of BATCHES) {
    const warehouse = createClickHouseWarehouse({ url: clickhouseUrl, database: `bench_wh_${id}_ch${batch}` });
    try {
      await warehouse.migrate();
      const run = await writeInBatches(warehouse, events, batch, `ClickHouse writeEvents, batches of ${batch}`);
      const stored = await count(`${warehouse.database}.page_views_raw`);
      rows.push({
        store: 'ClickHouse',
        how: 'adapter `writeEvents`',
        batch: int(batch),
        seconds: run.seconds,
        stored,
        batchP50Ms: run.batchP50Ms,
      });
    } finally {
      await dropAndClose(warehouse);
    }
  }

  // The same rows (the adapter's own row mapping) through clickhouse-client in one INSERT: into the
  // same page_views_raw (its materialized views fill the aggregates), and into a copy of it without them.
  const warehouse = createClickHouseWarehouse({ url: clickhouseUrl, database: `bench_wh_${id}_chcli` });
  try {
    await warehouse.migrate();
    const plain = `${warehouse.database}.page_views_plain`;
    await clickhouseClient(`CREATE TABLE ${plain} AS ${warehouse.database}.page_views_raw ENGINE = MergeTree ORDER BY (site, event_id)`);
    for (const [table, how] of [
      [`${warehouse.database}.page_views_raw`, '`clickhouse-client` INSERT … FORMAT JSONEachRow (same table and views)'],
      [plain, '`clickhouse-client` INSERT … FORMAT JSONEachRow (plain MergeTree, no views)'],
    ] as const) {
      const stop = progress(() => `clickhouse-client into ${table}`);
      const start = performance.now();
      try {
        const input = `${events.map((event) => JSON.stringify(pageViewRow(event))).join('\n')}\n`;
        await clickhouseClient(`INSERT INTO ${table} FORMAT JSONEachRow`, input);
      } finally {
        stop();
      }
      const seconds = (performance.now() - start) / 1000;
      rows.push({ store: 'ClickHouse', how, batch: 'all', seconds, stored: await count(table), batchP50Ms: null });
    }
  } finally {
    await dropAndClose(warehouse);
  }
}

async function dropAndClose(warehouse: ClickHouseWarehouse): Promise<void> {
  try {
    await warehouse.dropDatabase();
  } finally {
    await warehouse.close();
  }
}

// ---- report -----------------------------------------------------------------------------------

async function main(): Promise<void> {
  console.error(`- building ${int(EVENTS)} enriched page views`);
  const events = buildEvents();
  const rows: Row[] = [];
  console.error('- PostgreSQL');
  await postgresRuns(events, rows);
  console.error('- ClickHouse');
  await clickhouseRuns(events, rows);
  for (const row of rows) {
    if (row.stored !== EVENTS) throw new Error(`${row.store} ${row.how}: ${row.stored} rows stored, expected ${EVENTS}`);
  }

  const rate = (row: Row | undefined) => (row === undefined ? NaN : EVENTS / row.seconds);
  const table = rows
    .map(
      (r) =>
        `| ${r.store} | ${r.how} | ${r.batch} | ${int(EVENTS / r.seconds)} | ${dec(r.seconds, 2)} | ${r.batchP50Ms === null ? '—' : dec(r.batchP50Ms)} |`,
    )
    .join('\n');
  const pick = (store: string, how: string, batch: string) =>
    rows.find((r) => r.store === store && r.how.startsWith(how) && r.batch === batch);
  const share = (a: Row | undefined, b: Row | undefined) => `${Math.round((rate(a) / rate(b)) * 100)}%`;
  const pgCopy = pick('PostgreSQL', '`COPY', 'all');
  const chCli = pick('ClickHouse', '`clickhouse-client', 'all');
  await writeSection(
    'warehouse',
    `## Warehouse writes: PostgreSQL and ClickHouse

${int(EVENTS)} distinct page views (the load generator's plan, enriched as ingest would, received over the last hour), written
in the same run by each adapter's \`writeEvents\` — what \`pulse worker warehouse\` calls once per batch — in batches of
${BATCHES.map(int).join(' and ')}, one after another, and by each database's own bulk path with the same rows (the adapters' own row
mapping): PostgreSQL 15 \`COPY … FROM STDIN\` (postgres.js) into a plain table with the same columns, and \`clickhouse-client\`
(native protocol, Debian's ClickHouse 18.16) inserting JSONEachRow into the same \`page_views_raw\` with its materialized views, and
into a plain MergeTree copy without them. Each variant writes into a fresh schema / database, dropped afterwards; row counts are
checked. Times include building the rows from the events.

- Date: ${today()}
- Machine: ${machine()}
- Command: \`npm run bench -- warehouse\` (stack up first: \`npm run stack -- up\`; \`BENCH_EVENTS\` changes the count)

| store | how | batch | rows/s | seconds | batch p50 ms |
| --- | --- | ---: | ---: | ---: | ---: |
${table}

Reading: PostgreSQL \`writeEvents\` reached ${share(pick('PostgreSQL', 'adapter', int(500)), pgCopy)} (batches of 500) and ${share(
      pick('PostgreSQL', 'adapter', int(5000)),
      pgCopy,
    )} (5,000) of a raw COPY's rate.
Each of its batches also claims every \`event_id\` (idempotency), inserts into the partitioned \`events\` table with its three indexes,
and upserts sessions, the hourly page rollups and who viewed each page each hour, in one statement fed one JSON parameter.
ClickHouse \`writeEvents\` reached ${share(pick('ClickHouse', 'adapter', int(500)), chCli)} (500) and ${share(
      pick('ClickHouse', 'adapter', int(5000)),
      chCli,
    )} (5,000) of \`clickhouse-client\` into the same table: before inserting, each batch asks which of its \`event_id\`s are already stored (so the
materialized views never count a duplicate), and it goes over HTTP as JSON. Starting \`clickhouse-client\` and answering
\`SELECT 1\` took ${dec(clientStartMs, 0)} ms (median of 3), included in its rows. The bulk paths write all rows at once and promise
no exactly-once; the adapters do, batch by batch.
`,
  );
  console.log(table);
}

await main();
