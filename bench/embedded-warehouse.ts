/**
 * Candidates for embedded mode's warehouse, side by side in one run: each candidate in a child
 * process of its own (so its memory is its own and V8 flags can differ), at BENCH_EW_SIZES events
 * (default 100k and 1M): write rate in the warehouse worker's batches, latency of the History view's
 * three reads (page figures, hourly series, a breakdown) over the whole range, RSS growth over the
 * process before the engine opened (peak and after the reads), and the size of its files.
 *
 * - PGlite as Pulse has it (the warehouse port: `writeEvents`, exactly-once, rollups), with PGlite's
 *   default settings, with `pgliteLeanSettings` (the embedded default), and lean with V8 compiling
 *   PGlite's WebAssembly with its baseline compiler only (`--liftoff-only --wasm-lazy-compilation`);
 * - DuckDB (`@duckdb/node-api`), one wide events table: the appender into a staging table, then
 *   `INSERT OR IGNORE` into a table keyed by event_id (exactly-once), and the appender alone (no
 *   duplicate check: the upper bound). Reads are the same figures in DuckDB's SQL over raw events.
 * - SQLite (`node:sqlite`, built into Node: no dependency), the PostgreSQL warehouse's design in
 *   SQLite: events with a unique event_id index (the exactly-once check, a B-tree on disk, so its
 *   memory is the page cache's and not the row count's), sessions, hourly rollups and visitor sets
 *   folded per batch; page figures and the series read the rollups, the breakdown raw events.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnrichedEvent } from '../src/contract/event-schema.ts';
import { enrichEvent } from '../src/contract/enrich-event.ts';
import { createPlanner } from '../src/generator/plan.ts';
import { syntheticContext } from '../src/generator/targets.ts';
import { eventRow } from '../src/stores/warehouse/postgres/event-rows.ts';
import { warehouseOver } from '../src/stores/warehouse/postgres/index.ts';
import { pgliteExecutor } from '../src/stores/warehouse/postgres/sql-executor.ts';
import { clickHouseWarehouseOver } from '../src/stores/warehouse/clickhouse/index.ts';
import type { Warehouse } from '../src/stores/warehouse/warehouse.ts';
import { createSqliteWarehouse } from '../src/stores/warehouse/sqlite/index.ts';
import { chdbExecutor } from '../test/helpers/chdb.ts';
import { repoRoot } from '../test/helpers/services.ts';
import { dec, int, percentile, today } from './processes.ts';
import { machine, writeSection } from './report.ts';

const BATCH = 1000;
const SPAN_MS = 2 * 3_600_000;
const QUERY_RUNS = 5;

interface Candidate {
  name: string;
  flags: string[];
  note: string;
}

const candidates: Candidate[] = [
  { name: 'pglite-default', flags: [], note: 'PGlite, its default settings (shared_buffers 160 MB)' },
  { name: 'pglite-lean', flags: [], note: 'PGlite, `pgliteLeanSettings` (shared_buffers 16 MB; the embedded default now)' },
  {
    name: 'pglite-lean-liftoff',
    flags: ['--liftoff-only', '--wasm-lazy-compilation'],
    note: 'PGlite lean, V8 baseline WebAssembly compiler only',
  },
  { name: 'duckdb-exactly-once', flags: [], note: 'DuckDB: appender → staging, `INSERT OR IGNORE` into events keyed by event_id' },
  { name: 'duckdb-append', flags: [], note: 'DuckDB: appender only (no duplicate check; upper bound)' },
  {
    name: 'sqlite-port',
    flags: [],
    note: 'SQLite as Pulse has it (`createSqliteWarehouse`, the embedded default now): the warehouse port on its own thread, exactly-once, every read over raw events',
  },
  {
    name: 'sqlite',
    flags: [],
    note: "SQLite (Node's built-in `node:sqlite`): exactly-once by a unique event_id index, sessions and hourly rollups as PGlite has them, an 8 MiB page cache",
  },
  {
    name: 'chdb',
    flags: [],
    note: "chdb (ClickHouse in process): Pulse's ClickHouse warehouse port as on a server (exactly-once; rows as JSONEachRow)",
  },
];

interface Result {
  candidate: string;
  events: number;
  writeSeconds: number;
  /** CPU time (user + system) of the whole process while writing: on a busy machine the fairer figure. */
  writeCpuSeconds: number;
  queryMs: { pages: number; series: number; breakdown: number };
  peakDeltaMiB: number;
  afterDeltaMiB: number;
  fileMiB: number;
}

const memory = (field: 'VmRSS' | 'VmHWM'): number =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) / 1024;

/** `count` distinct page views from the generator's plan, enriched, received over the last SPAN_MS, in batches. */
function* batches(site: string, count: number): Generator<EnrichedEvent[]> {
  const planner = createPlanner(41, { site, idPrefix: `ew${randomUUID().slice(0, 8)}`, users: 20_000 });
  const from = Date.now() - SPAN_MS;
  let made = 0;
  while (made < count) {
    const batch: EnrichedEvent[] = [];
    while (batch.length < BATCH && made < count) {
      const entry = planner.next();
      if (entry.invalid !== null || entry.duplicateOf !== null) continue;
      const at = new Date(from + Math.floor((made * SPAN_MS) / count));
      batch.push(enrichEvent({ ...entry.event, type: 'page_view', ts: at.toISOString() }, syntheticContext(entry.event.user_id, at)));
      made += 1;
    }
    yield batch;
  }
}

async function dirMiB(dir: string): Promise<number> {
  let bytes = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) bytes += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return bytes / 2 ** 20;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < QUERY_RUNS; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return percentile(times, 50);
}

interface Engine {
  write(events: EnrichedEvent[]): Promise<void>;
  pages(from: number, to: number): Promise<unknown>;
  series(from: number, to: number): Promise<unknown>;
  breakdown(from: number, to: number): Promise<unknown>;
  close(): Promise<void>;
}

/** An engine that is Pulse's own Warehouse port: writes and the History view's three reads through it. */
function portEngine(warehouse: Warehouse, site: string, close: () => Promise<void>): Engine {
  return {
    write: async (events) => {
      await warehouse.writeEvents(events);
    },
    pages: (from, to) => warehouse.pageAggregates({ from, to, site }),
    series: (from, to) => warehouse.timeSeries({ from, to, site }, 'hour'),
    breakdown: (from, to) => warehouse.breakdown({ from, to, site }, 'browser', 10),
    close,
  };
}

async function openChdb(dir: string, site: string): Promise<Engine> {
  const { Session } = await import('chdb');
  const session = new Session(join(dir, 'chdb'));
  const warehouse = clickHouseWarehouseOver(chdbExecutor(session), { database: 'pulse' });
  await warehouse.migrate();
  return portEngine(warehouse, site, async () => {
    await warehouse.close();
    session.close();
  });
}

async function openSqlitePort(dir: string, site: string): Promise<Engine> {
  const warehouse = await createSqliteWarehouse({ file: join(dir, 'warehouse.sqlite') });
  await warehouse.migrate();
  return portEngine(warehouse, site, () => warehouse.close());
}

async function openPglite(dir: string, site: string, lean: boolean): Promise<Engine> {
  const executor = await pgliteExecutor({ dir, ...(lean ? {} : { settings: {} }) });
  const warehouse = warehouseOver(executor, { schema: 'public' });
  await warehouse.migrate();
  return portEngine(warehouse, site, () => warehouse.close());
}

const duckColumns = `received_at TIMESTAMPTZ NOT NULL, event_id VARCHAR NOT NULL, site VARCHAR NOT NULL, type VARCHAR NOT NULL,
  user_id VARCHAR NOT NULL, session_id VARCHAR NOT NULL, path VARCHAR NOT NULL, duration DOUBLE, referrer_host VARCHAR,
  browser VARCHAR, os VARCHAR, device VARCHAR, is_bot BOOLEAN NOT NULL, data VARCHAR NOT NULL`;

/** The History view's figures over raw events, as DuckDB SQL (bounce: a page view shorter than 5 s). */
const duckFigures = `count(*) AS views, count(DISTINCT user_id) AS unique_users, count(*) FILTER (WHERE duration < 5) AS bounces,
  avg(duration) AS avg_duration`;
const duckRange = `site = $site AND received_at >= to_timestamp($from / 1000) AND received_at < to_timestamp($to / 1000)
  AND type = 'page_view' AND NOT is_bot`;

async function openDuck(dir: string, site: string, exactlyOnce: boolean): Promise<Engine> {
  const { DuckDBInstance, DuckDBTimestampValue } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(join(dir, 'warehouse.duckdb'), { memory_limit: '256MB', threads: '2' });
  const connection = await instance.connect();
  await connection.run(`CREATE TABLE events (${duckColumns}${exactlyOnce ? ', PRIMARY KEY (event_id)' : ''})`);
  if (exactlyOnce) await connection.run(`CREATE TABLE staging (${duckColumns})`);
  const text = (appender: { appendVarchar(v: string): void; appendNull(): void }, value: string | null) =>
    value === null ? appender.appendNull() : appender.appendVarchar(value);
  const params = (from: number, to: number) => ({ site, from, to });
  return {
    write: async (events) => {
      const appender = await connection.createAppender(exactlyOnce ? 'staging' : 'events');
      for (const event of events) {
        const row = eventRow(event);
        appender.appendTimestamp(new DuckDBTimestampValue(BigInt(Date.parse(row.received_at)) * 1000n));
        for (const value of [row.event_id, row.site, row.type, row.user_id, row.session_id, row.path]) appender.appendVarchar(value);
        if (row.duration === null) appender.appendNull();
        else appender.appendDouble(row.duration);
        for (const value of [row.referrer_host, row.browser, row.os, row.device]) text(appender, value);
        appender.appendBoolean(row.is_bot);
        appender.appendVarchar(row.data);
        appender.endRow();
      }
      appender.closeSync();
      if (exactlyOnce) {
        await connection.run('INSERT OR IGNORE INTO events SELECT * FROM staging');
        await connection.run('DELETE FROM staging');
      }
    },
    pages: (from, to) =>
      connection.runAndReadAll(
        `SELECT path, ${duckFigures} FROM events WHERE ${duckRange} GROUP BY path ORDER BY views DESC, path`,
        params(from, to),
      ),
    series: (from, to) =>
      connection.runAndReadAll(
        `SELECT date_trunc('hour', received_at) AS bucket, ${duckFigures} FROM events WHERE ${duckRange} GROUP BY bucket ORDER BY bucket`,
        params(from, to),
      ),
    breakdown: (from, to) =>
      connection.runAndReadAll(
        `SELECT coalesce(browser, '(none)') AS value, count(*) AS events, count(DISTINCT user_id) AS unique_users
         FROM events WHERE ${duckRange} GROUP BY value ORDER BY events DESC, value LIMIT 10`,
        params(from, to),
      ),
    close: async () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** The PostgreSQL warehouse's tables (001–005) as SQLite has them; times are epoch ms, hours epoch ms of the hour. */
const sqliteSchema = `
CREATE TABLE events (received_at INTEGER NOT NULL, event_id TEXT NOT NULL, site TEXT NOT NULL, type TEXT NOT NULL,
  user_id TEXT NOT NULL, session_id TEXT NOT NULL, path TEXT NOT NULL, duration REAL, referrer_host TEXT, browser TEXT,
  os TEXT, device TEXT, utm_source TEXT, utm_medium TEXT, utm_campaign TEXT, is_bot INTEGER NOT NULL, bot_name TEXT,
  event_name TEXT, props TEXT, data TEXT NOT NULL);
CREATE UNIQUE INDEX events_id ON events (event_id);
CREATE INDEX events_site_time ON events (site, received_at, event_id);
CREATE INDEX events_time ON events (received_at, event_id);
CREATE INDEX events_site_user ON events (site, user_id);
CREATE TABLE sessions (site TEXT NOT NULL, user_id TEXT NOT NULL, session_id TEXT NOT NULL, first_ts INTEGER NOT NULL,
  last_ts INTEGER NOT NULL, page_views INTEGER NOT NULL, events INTEGER NOT NULL, PRIMARY KEY (site, user_id, session_id)) WITHOUT ROWID;
CREATE TABLE page_hourly (site TEXT NOT NULL, hour INTEGER NOT NULL, path TEXT NOT NULL, views INTEGER NOT NULL,
  bounces INTEGER NOT NULL, duration_sum REAL NOT NULL, duration_count INTEGER NOT NULL, PRIMARY KEY (site, hour, path)) WITHOUT ROWID;
CREATE TABLE page_hourly_users (site TEXT NOT NULL, hour INTEGER NOT NULL, path TEXT NOT NULL, user_id TEXT NOT NULL,
  PRIMARY KEY (site, hour, path, user_id)) WITHOUT ROWID;
CREATE INDEX page_hourly_users_user ON page_hourly_users (site, user_id);`;

async function openSqlite(dir: string, site: string): Promise<Engine> {
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(join(dir, 'warehouse.sqlite'));
  // WAL with synchronous=NORMAL: a commit survives the process dying (not the machine losing power).
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -8192; PRAGMA temp_store = FILE;');
  db.exec(sqliteSchema);
  const insert = db.prepare(`INSERT OR IGNORE INTO events VALUES (${Array.from({ length: 20 }, () => '?').join(', ')})`);
  const session = db.prepare(`INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET
    first_ts = min(first_ts, excluded.first_ts), last_ts = max(last_ts, excluded.last_ts),
    page_views = page_views + excluded.page_views, events = events + excluded.events`);
  const hourly = db.prepare(`INSERT INTO page_hourly VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET
    views = views + excluded.views, bounces = bounces + excluded.bounces,
    duration_sum = duration_sum + excluded.duration_sum, duration_count = duration_count + excluded.duration_count`);
  const visitor = db.prepare('INSERT OR IGNORE INTO page_hourly_users VALUES (?, ?, ?, ?)');
  const range = 'site = ? AND hour >= ? AND hour < ?';
  const pages = db.prepare(`SELECT h.path, h.views, h.bounces, h.avg_duration, u.users FROM
    (SELECT path, sum(views) AS views, sum(bounces) AS bounces, sum(duration_sum) / nullif(sum(duration_count), 0) AS avg_duration
     FROM page_hourly WHERE ${range} GROUP BY path) h
    JOIN (SELECT path, count(DISTINCT user_id) AS users FROM page_hourly_users WHERE ${range} GROUP BY path) u USING (path)
    ORDER BY h.views DESC, h.path`);
  const series = db.prepare(`SELECT h.hour, h.views, u.users FROM
    (SELECT hour, sum(views) AS views FROM page_hourly WHERE ${range} GROUP BY hour) h
    JOIN (SELECT hour, count(DISTINCT user_id) AS users FROM page_hourly_users WHERE ${range} GROUP BY hour) u USING (hour)
    ORDER BY h.hour`);
  const breakdown = db.prepare(`SELECT coalesce(browser, '(none)') AS value, count(*) AS views, count(DISTINCT user_id) AS users
    FROM events WHERE site = ? AND received_at >= ? AND received_at < ? AND type = 'page_view' AND is_bot = 0
    GROUP BY value ORDER BY views DESC, value LIMIT 10`);
  const HOUR = 3_600_000;
  return {
    write: async (events) => {
      db.exec('BEGIN');
      try {
        const sessions = new Map<string, [string, string, string, number, number, number, number]>();
        const hours = new Map<string, [string, number, string, number, number, number, number]>();
        const visitors = new Map<string, [string, number, string, string]>();
        for (const event of events) {
          const row = eventRow(event);
          const at = Date.parse(row.received_at);
          const done = insert.run(
            at,
            row.event_id,
            row.site,
            row.type,
            row.user_id,
            row.session_id,
            row.path,
            row.duration,
            row.referrer_host,
            row.browser,
            row.os,
            row.device,
            row.utm_source,
            row.utm_medium,
            row.utm_campaign,
            row.is_bot ? 1 : 0,
            row.bot_name,
            row.event_name,
            row.props,
            row.data,
          );
          if (done.changes === 0) continue;
          const view = row.type === 'page_view' ? 1 : 0;
          const sKey = `${row.site}\u0000${row.user_id}\u0000${row.session_id}`;
          const s = sessions.get(sKey);
          if (s === undefined) sessions.set(sKey, [row.site, row.user_id, row.session_id, at, at, view, 1]);
          else [s[3], s[4], s[5], s[6]] = [Math.min(s[3], at), Math.max(s[4], at), s[5] + view, s[6] + 1];
          if (view === 0 || row.is_bot) continue;
          const hour = Math.floor(at / HOUR) * HOUR;
          const hKey = `${row.site}\u0000${hour}\u0000${row.path}`;
          const quick = row.duration !== null && row.duration < 5 ? 1 : 0;
          const h = hours.get(hKey);
          if (h === undefined) hours.set(hKey, [row.site, hour, row.path, 1, quick, row.duration ?? 0, row.duration === null ? 0 : 1]);
          else [h[3], h[4], h[5], h[6]] = [h[3] + 1, h[4] + quick, h[5] + (row.duration ?? 0), h[6] + (row.duration === null ? 0 : 1)];
          visitors.set(`${hKey}\u0000${row.user_id}`, [row.site, hour, row.path, row.user_id]);
        }
        for (const s of sessions.values()) session.run(...s);
        for (const h of hours.values()) hourly.run(...h);
        for (const v of visitors.values()) visitor.run(...v);
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    },
    pages: async (from, to) => pages.all(site, from, to, site, from, to),
    series: async (from, to) => series.all(site, from, to, site, from, to),
    breakdown: async (from, to) => breakdown.all(site, from, to),
    close: async () => db.close(),
  };
}

/** Runs one candidate at one size in this process and prints its Result as JSON. */
async function child(name: string, count: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), `pulse-bench-ew-${name}-`));
  const site = `benchew${randomUUID().slice(0, 8)}`;
  try {
    const before = memory('VmRSS');
    const engine = name.startsWith('duckdb')
      ? await openDuck(dir, site, name === 'duckdb-exactly-once')
      : name === 'sqlite-port'
        ? await openSqlitePort(dir, site)
        : name === 'sqlite'
          ? await openSqlite(dir, site)
          : name === 'chdb'
            ? await openChdb(dir, site)
            : await openPglite(dir, site, name !== 'pglite-default');
    let writing = 0;
    let cpu = 0;
    for (const batch of batches(site, count)) {
      const start = performance.now();
      const cpuStart = process.cpuUsage();
      await engine.write(batch);
      const used = process.cpuUsage(cpuStart);
      cpu += (used.user + used.system) / 1e6;
      writing += performance.now() - start;
    }
    const to = Date.now() + 60_000;
    const from = to - SPAN_MS - 3_600_000;
    const queryMs = {
      pages: await timed(() => engine.pages(from, to)),
      series: await timed(() => engine.series(from, to)),
      breakdown: await timed(() => engine.breakdown(from, to)),
    };
    const result: Result = {
      candidate: name,
      events: count,
      writeSeconds: writing / 1000,
      writeCpuSeconds: cpu,
      queryMs,
      peakDeltaMiB: memory('VmHWM') - before,
      afterDeltaMiB: memory('VmRSS') - before,
      fileMiB: 0,
    };
    await engine.close();
    result.fileMiB = await dirMiB(dir);
    console.log(JSON.stringify(result));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function runChild(candidate: Candidate, count: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [...candidate.flags, join(repoRoot, 'bench/embedded-warehouse.ts'), 'child', candidate.name, String(count)],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.on('error', reject);
    proc.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{'))
        reject(new Error(`${candidate.name} at ${count} events exited with ${code}: ${out.slice(-500)}`));
      else resolve(JSON.parse(line) as Result);
    });
  });
}

/** The choice, from the figures of 2026-12-01 and 2026-12-02 (compare rows of one run, not runs). */
const reading = `Reading. 2026-12-02 evening, 20,000 and 100,000 events per candidate in one run (\`BENCH_EW_SIZES=100000,1000000\`
is the default of the command): **SQLite** (Node's built-in \`node:sqlite\`, no dependency) with the PostgreSQL warehouse's
design (a unique event_id index as the exactly-once check, sessions and hourly rollups folded per batch) wrote **3.6–6× the
rows per CPU second** of PGlite (61k / 38k against 10.6k / 12.7k lean), answered the History reads **13–31× faster**
(5–77 ms against 77–1,046 ms) and held **+41–82 MiB** where PGlite lean held +237–501 MiB (its peak +777–803 MiB while it
starts). Its memory is its page cache (8 MiB here), not its rows: at 1,000,000 events (one more run) it wrote 29k rows
per CPU second and held +151 MiB, most of it the benchmark's own generated events. DuckDB wrote 2–3× PGlite's rows per
CPU second and read fastest, but its primary-key index lives in memory and grows with the rows (+164 → +350 MiB from
20k to 100k; a 2.5M-key table did not fit a 256 MB limit), so an exactly-once DuckDB needs its duplicate check
elsewhere; chdb runs Pulse's ClickHouse adapter unchanged at about PGlite's write rate with +214–349 MiB and a 543 MB
native library. **Chosen: SQLite.** Pulse's SQLite warehouse (\`src/stores/warehouse/sqlite/\`, the \`sqlite-port\`
row when measured) keeps one table of raw events and reads every History, funnel, retention and custom-event figure from
it (no rollups to keep exact), on a worker thread of its own; the shared warehouse, funnel, retention and custom-event
suites pass on it, and it is embedded mode's warehouse since 2026-12-02, with the accounts in SQLite too, so that
\`pulse start\` loads PGlite only when the marketplace's search is used.`;

function sizes(): number[] {
  const raw = process.env['BENCH_EW_SIZES'] ?? '100000,1000000';
  const list = raw.split(',').map(Number);
  if (list.some((n) => !Number.isInteger(n) || n < BATCH))
    throw new RangeError(`BENCH_EW_SIZES must list event counts ≥ ${BATCH}, got ${raw}`);
  return list;
}

function onlyCandidates(): Candidate[] {
  const raw = process.env['BENCH_EW_CANDIDATES'];
  if (raw === undefined || raw === '') return candidates;
  const names = raw.split(',');
  const unknown = names.filter((name) => !candidates.some((c) => c.name === name));
  if (unknown.length > 0) throw new RangeError(`unknown BENCH_EW_CANDIDATES: ${unknown.join(', ')}`);
  return candidates.filter((c) => names.includes(c.name));
}

async function main(): Promise<void> {
  const results: Result[] = [];
  for (const count of sizes()) {
    for (const candidate of onlyCandidates()) {
      console.error(`- ${candidate.name}, ${int(count)} events`);
      const result = await runChild(candidate, count);
      console.error(
        `  ${int(count / result.writeSeconds)} rows/s, ${int(count / result.writeCpuSeconds)} rows per CPU second; pages ${dec(result.queryMs.pages)} ms, series ${dec(result.queryMs.series)} ms, breakdown ${dec(result.queryMs.breakdown)} ms; RSS +${int(result.peakDeltaMiB)} MiB peak, +${int(result.afterDeltaMiB)} after; ${int(result.fileMiB)} MiB on disk`,
      );
      results.push(result);
    }
  }
  const note = (name: string) => candidates.find((c) => c.name === name)?.note ?? name;
  const table = results
    .map(
      (r) =>
        `| ${note(r.candidate)} | ${int(r.events)} | ${int(r.events / r.writeSeconds)} | ${int(r.events / r.writeCpuSeconds)} | ${dec(r.queryMs.pages)} | ${dec(r.queryMs.series)} | ${dec(r.queryMs.breakdown)} | ${int(r.peakDeltaMiB)} | ${int(r.afterDeltaMiB)} | ${int(r.fileMiB)} |`,
    )
    .join('\n');
  await writeSection(
    'embedded-warehouse',
    `## Embedded warehouse candidates

Each candidate in a process of its own, in the same run: distinct page views written in batches of ${BATCH}, then the History view's three reads over the whole ${SPAN_MS / 3_600_000} h of data (median of ${QUERY_RUNS}): page figures,
the hourly series and the browser breakdown (top 10). Memory is the process's RSS growth from just before the engine opened:
its peak (VmHWM) and after the reads. PGlite rows go through Pulse's warehouse port (exactly-once claims, sessions, hourly
rollups, the same SQL as PostgreSQL); DuckDB rows go into one wide table and its reads aggregate raw events.

- Date: ${today()}
- Machine: ${machine()}
- Command: \`npm run bench -- embedded-warehouse\` (\`BENCH_EW_SIZES\`, \`BENCH_EW_CANDIDATES\`)

| candidate | events | rows/s | rows per CPU s | pages ms | hourly series ms | breakdown ms | RSS peak +MiB | RSS after +MiB | files MiB |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${table}

${reading}
`,
  );
  console.log(table);
}

if (process.argv[2] === 'child') await child(process.argv[3] ?? '', Number(process.argv[4]));
else await main();
