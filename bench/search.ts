/**
 * Marketplace search (seed 003) on its three SearchIndex adapters, one after another, in the same
 * run: OpenSearch (indexes under a prefix of the run's own, deleted afterwards), PostgreSQL full-text
 * search on the server (a schema of its own, dropped afterwards) and on PGlite, as `pulse start`
 * opens it (in this process, a temporary directory, removed afterwards).
 *
 * Per adapter: (1) index throughput — a catalog made from the sample catalog upserted in batches of
 * 500, one after another, as the search sink worker writes them (each write is visible when its
 * promise resolves); (2) every distinct query of the mix once as a warm-up, then twice more one at
 * a time (service time by kind of query); (3) the heaviest single queries (the most frequent
 * non-stop word, and browsing every product with no text); (4) an open loop: queries of the mix
 * issued on a fixed schedule whatever the answers do, each measured from its scheduled start (so
 * queueing counts, no coordinated omission). An adapter that does not keep up at the target rate is
 * measured again at lower rates; a run gives up once a query has waited longer than MAX_BACKLOG_MS.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@opensearch-project/opensearch';
import postgres from 'postgres';
import { loadSampleCatalog } from '../src/shop/catalog/read-catalog.ts';
import type { Product } from '../src/shop/product.ts';
import { createOpenSearchIndex } from '../src/stores/search/opensearch/index.ts';
import { connectPostgresSearchIndex, openPgliteSearchIndex, pgliteSearchExtensions } from '../src/stores/search/postgres/index.ts';
import type { SearchIndex, SearchRequest } from '../src/stores/search/search-index.ts';
import { pgliteExecutor } from '../src/stores/warehouse/postgres/sql-executor.ts';
import { postgresUrl } from '../test/helpers/services.ts';
import { dec, envNumber, int, percentile, progress, sleep, today } from './processes.ts';
import { machine, writeSection } from './report.ts';
import { distinctQueries, expandCatalog, queryKinds, queryMix, wordFrequencies, type MixQuery, type QueryKind } from './search-workload.ts';

const PRODUCTS = Math.round(envNumber('BENCH_PRODUCTS', 20_000));
const BATCH = 500;
const RATE = envNumber('BENCH_RATE', 50);
const SECONDS = envNumber('BENCH_SECONDS', 20);
const FALLBACK_RATES = (process.env['BENCH_FALLBACK_RATES'] ?? '20,10,5')
  .split(',')
  .map((text) => {
    const rate = Number(text);
    if (!Number.isFinite(rate) || rate <= 0)
      throw new RangeError(`BENCH_FALLBACK_RATES must be positive numbers separated by commas, got ${text}`);
    return rate;
  })
  .filter((rate) => rate < RATE)
  .sort((a, b) => b - a);
/** A run at a rate gives up (the adapter does not keep up) once a query has waited this long. */
const MAX_BACKLOG_MS = envNumber('BENCH_MAX_BACKLOG_MS', 5000);
/**
 * Kept up: the run did not give up, the answers came at least at this share of the target rate, and
 * latency did not grow: the last quarter's p50 is at most GROWTH_FACTOR × the first quarter's + GROWTH_SLACK_MS.
 */
const KEPT_UP_SHARE = 0.95;
const GROWTH_FACTOR = 2;
const GROWTH_SLACK_MS = 100;
/** Passes of every distinct query, one at a time, after the warm-up pass. */
const SERIAL_PASSES = 2;
const HEAVY_RUNS = 10;
const OPENSEARCH_URL = process.env['PULSE_OPENSEARCH_URL'] ?? 'http://127.0.0.1:19200';

const id = randomUUID().slice(0, 8);

type AdapterName = 'OpenSearch' | 'PostgreSQL' | 'PGlite';
const ADAPTERS: readonly AdapterName[] = ['OpenSearch', 'PostgreSQL', 'PGlite'];

interface Opened {
  index: SearchIndex;
  /** Bytes the products take on disk (table, vocabulary and indexes; OpenSearch: the primary store). */
  size: () => Promise<number>;
  /** The engine and its version, as it reports it. */
  version: () => Promise<string>;
  /** Closes the adapter and removes what the run created. */
  cleanup: () => Promise<void>;
}

interface IndexRun {
  seconds: number;
  batchMs: number[];
  stored: number;
  bytes: number;
}

interface LoadRun {
  rate: number;
  scheduled: number;
  answered: number;
  errors: number;
  firstError: string | null;
  /** ms from each answered query's scheduled start. */
  latencies: number[];
  achieved: number;
  /** Seconds into the run when it gave up, or null. */
  gaveUpAt: number | null;
  maxInFlight: number;
  /** p50 ms of the queries due in the first and in the last quarter of the schedule (of those issued). */
  firstQuarterP50: number;
  lastQuarterP50: number;
  keptUp: boolean;
}

interface HeavyRun {
  kind: 'word' | 'browse';
  label: string;
  total: number;
  ms: number[];
}

interface AdapterResult {
  adapter: AdapterName;
  version: string;
  index: IndexRun;
  /** ms per kind, one query at a time. */
  serial: Map<QueryKind, number[]>;
  /** Products found by each distinct query of the mix. */
  totals: Map<string, number>;
  heavy: HeavyRun[];
  loads: LoadRun[];
}

// ---- the adapters ----------------------------------------------------------------------------

async function openAdapter(adapter: AdapterName): Promise<Opened> {
  if (adapter === 'OpenSearch') {
    const prefix = `bench${id}_`;
    const index = createOpenSearchIndex({ node: OPENSEARCH_URL, prefix });
    const admin = new Client({ node: OPENSEARCH_URL });
    return {
      index,
      size: async () => {
        const stats = await admin.indices.stats({ index: index.names.products, metric: 'store' });
        return Number(stats.body._all.primaries?.store?.size_in_bytes ?? NaN);
      },
      version: async () => `OpenSearch ${(await admin.info()).body.version.number}`,
      cleanup: async () => {
        try {
          await index.close();
          const found = Object.keys((await admin.indices.get({ index: `${prefix}*` })).body);
          if (found.length > 0) await admin.indices.delete({ index: found });
        } finally {
          await admin.close();
        }
      },
    };
  }
  if (adapter === 'PostgreSQL') {
    const schema = `bench_search_${id}`;
    const index = connectPostgresSearchIndex({ url: postgresUrl, schema });
    const admin = postgres(postgresUrl, { max: 1, onnotice: () => undefined });
    return {
      index,
      size: async () => {
        const [row] = await admin.unsafe<{ bytes: number }[]>(
          `SELECT (pg_total_relation_size('${schema}.filtered_products') + pg_total_relation_size('${schema}.search_words'))::float8 AS bytes`,
        );
        return row?.bytes ?? NaN;
      },
      version: async () =>
        `PostgreSQL ${(await admin.unsafe<{ v: string }[]>(`SELECT current_setting('server_version') AS v`))[0]?.v ?? '?'}`,
      cleanup: async () => {
        try {
          await index.close();
          await admin.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } finally {
          await admin.end();
        }
      },
    };
  }
  // As `pulse start` opens it: a PGlite in this process, kept in a directory, the search tables in its public schema.
  const dir = await mkdtemp(join(tmpdir(), 'pulse-bench-search-'));
  try {
    const executor = await pgliteExecutor({ dir, extensions: pgliteSearchExtensions });
    const index = await openPgliteSearchIndex({ executor });
    return {
      index,
      size: async () => {
        const [row] = await executor.query<{ bytes: number }>(
          `SELECT (pg_total_relation_size('filtered_products') + pg_total_relation_size('search_words'))::float8 AS bytes`,
        );
        return row?.bytes ?? NaN;
      },
      version: async () =>
        `PGlite (PostgreSQL ${(await executor.query<{ v: string }>(`SELECT current_setting('server_version') AS v`))[0]?.v ?? '?'})`,
      cleanup: async () => {
        try {
          await index.close();
          await executor.close();
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

// ---- the measurements ------------------------------------------------------------------------

async function indexCatalog(adapter: AdapterName, opened: Opened, products: readonly Product[]): Promise<IndexRun> {
  const batchMs: number[] = [];
  let written = 0;
  const stop = progress(() => `${adapter}: ${int(written)}/${int(products.length)} products indexed`);
  const start = performance.now();
  try {
    for (let i = 0; i < products.length; i += BATCH) {
      const t = performance.now();
      const batch = products.slice(i, i + BATCH);
      await opened.index.upsertProducts(batch);
      batchMs.push(performance.now() - t);
      written += batch.length;
    }
  } finally {
    stop();
  }
  const seconds = (performance.now() - start) / 1000;
  return { seconds, batchMs, stored: await opened.index.countProducts(), bytes: await opened.size() };
}

const describeRequest = (request: SearchRequest): string =>
  [
    request.q === undefined ? '' : `«${request.q}»`,
    request.category === undefined ? '' : `category ${request.category}`,
    request.brand === undefined ? '' : `brand ${request.brand}`,
    request.offset === undefined ? '' : `offset ${request.offset}`,
  ]
    .filter((part) => part !== '')
    .join(', ') || 'everything';

/** Every distinct query once (warm-up), then SERIAL_PASSES more times one at a time, timed. */
async function serialPasses(
  adapter: AdapterName,
  index: SearchIndex,
): Promise<{ serial: Map<QueryKind, number[]>; totals: Map<string, number> }> {
  const queries = distinctQueries();
  const serial = new Map<QueryKind, number[]>();
  const totals = new Map<string, number>();
  let done = 0;
  const total = queries.length * (SERIAL_PASSES + 1);
  const stop = progress(() => `${adapter}: ${done}/${total} queries one at a time (first pass is a warm-up)`);
  try {
    for (let pass = 0; pass <= SERIAL_PASSES; pass += 1) {
      for (const { kind, request } of queries) {
        const t = performance.now();
        const result = await index.search(request);
        const ms = performance.now() - t;
        done += 1;
        if (pass === 0) {
          totals.set(describeRequest(request), result.total);
          continue;
        }
        serial.set(kind, [...(serial.get(kind) ?? []), ms]);
      }
    }
  } finally {
    stop();
  }
  return { serial, totals };
}

async function heavyQueries(adapter: AdapterName, index: SearchIndex, heavyWord: string): Promise<HeavyRun[]> {
  const runs: HeavyRun[] = [];
  for (const [kind, label, request] of [
    ['word', `«${heavyWord}» (the most frequent word)`, { q: heavyWord }],
    ['browse', 'no text, no filter (every product, facets over all)', {}],
  ] as const) {
    const ms: number[] = [];
    let total = 0;
    const stop = progress(() => `${adapter}: ${label}: ${ms.length}/${HEAVY_RUNS}`);
    try {
      await index.search(request); // warm-up, not counted
      for (let i = 0; i < HEAVY_RUNS; i += 1) {
        const t = performance.now();
        total = (await index.search(request)).total;
        ms.push(performance.now() - t);
      }
    } finally {
      stop();
    }
    runs.push({ kind, label, total, ms });
  }
  return runs;
}

/**
 * The open loop: query i of the mix is due at start + i / rate and is issued then (or as soon as
 * the event loop is free, when it is late), whatever earlier queries are doing; its latency runs
 * from when it was due. Gives up when a query in flight has waited longer than MAX_BACKLOG_MS.
 */
async function openLoop(adapter: AdapterName, index: SearchIndex, rate: number, mix: readonly MixQuery[]): Promise<LoadRun> {
  const count = Math.round(rate * SECONDS);
  const interval = 1000 / rate;
  const latencies: number[] = [];
  const byDue: { n: number; ms: number }[] = [];
  const inFlight = new Map<number, number>(); // query number → when it was due
  const settled: Promise<void>[] = [];
  let issued = 0;
  let errors = 0;
  let firstError: string | null = null;
  let maxInFlight = 0;
  let gaveUpAt: number | null = null;
  let lastAnswer = 0;
  const start = performance.now() + 20;
  const stop = progress(
    () =>
      `${adapter} at ${rate} queries/s: ${int(latencies.length + errors)}/${int(count)} answered, ${inFlight.size} in flight${
        gaveUpAt === null ? '' : ', gave up issuing'
      }`,
  );
  try {
    while (issued < count && gaveUpAt === null) {
      const now = performance.now();
      while (issued < count && start + issued * interval <= now) {
        const n = issued;
        issued += 1;
        const due = start + n * interval;
        const { request } = mix[n % mix.length] as MixQuery;
        inFlight.set(n, due);
        settled.push(
          index.search(request).then(
            () => {
              lastAnswer = performance.now();
              latencies.push(lastAnswer - due);
              byDue.push({ n, ms: lastAnswer - due });
              inFlight.delete(n);
            },
            (error: unknown) => {
              lastAnswer = performance.now();
              errors += 1;
              firstError ??= error instanceof Error ? error.message : String(error);
              inFlight.delete(n);
            },
          ),
        );
      }
      maxInFlight = Math.max(maxInFlight, inFlight.size);
      const oldest = inFlight.values().next();
      if (!oldest.done && now - oldest.value > MAX_BACKLOG_MS) gaveUpAt = (now - start) / 1000;
      else await sleep(Math.max(0, start + issued * interval - performance.now()));
    }
    // What was issued is answered before the next run: with the backlog bounded above, this is bounded too.
    await Promise.all(settled);
  } finally {
    stop();
  }
  const answered = latencies.length + errors;
  const achieved = answered / Math.max(0.001, (lastAnswer - start) / 1000);
  const quarter = issued / 4;
  const firstQuarterP50 = percentile(
    byDue.filter((s) => s.n < quarter).map((s) => s.ms),
    50,
  );
  const lastQuarterP50 = percentile(
    byDue.filter((s) => s.n >= issued - quarter).map((s) => s.ms),
    50,
  );
  const grew = !(lastQuarterP50 <= GROWTH_FACTOR * firstQuarterP50 + GROWTH_SLACK_MS);
  return {
    rate,
    scheduled: count,
    answered,
    errors,
    firstError,
    latencies,
    achieved,
    gaveUpAt,
    maxInFlight,
    firstQuarterP50,
    lastQuarterP50,
    keptUp: gaveUpAt === null && achieved >= KEPT_UP_SHARE * rate && !grew,
  };
}

/** The most frequent word of the catalog that is a stop word in neither language (a stop word matches nothing in PostgreSQL). */
async function heaviestWord(products: readonly Product[]): Promise<{ word: string; holders: number }> {
  const top = wordFrequencies(products).slice(0, 50);
  const sql = postgres(postgresUrl, { max: 1, onnotice: () => undefined });
  try {
    const rows = await sql<{ word: string }[]>`
      SELECT word FROM unnest(${top.map(([word]) => word)}::text[]) WITH ORDINALITY AS t(word, n)
      WHERE plainto_tsquery('russian', word)::text <> '' AND plainto_tsquery('english', word)::text <> ''
      ORDER BY n LIMIT 1`;
    const word = rows[0]?.word;
    if (word === undefined) throw new Error('no word of the catalog is a word in both languages');
    return { word, holders: top.find(([w]) => w === word)?.[1] ?? 0 };
  } finally {
    await sql.end();
  }
}

async function measure(adapter: AdapterName, products: readonly Product[], heavyWord: string, mix: readonly MixQuery[]) {
  console.error(`- ${adapter}`);
  const opened = await openAdapter(adapter);
  try {
    await opened.index.migrate();
    const version = await opened.version();
    const index = await indexCatalog(adapter, opened, products);
    if (index.stored !== products.length) throw new Error(`${adapter}: ${index.stored} products stored, expected ${products.length}`);
    const { serial, totals } = await serialPasses(adapter, opened.index);
    const heavy = await heavyQueries(adapter, opened.index, heavyWord);
    const loads: LoadRun[] = [];
    for (const rate of [RATE, ...FALLBACK_RATES]) {
      const run = await openLoop(adapter, opened.index, rate, mix);
      loads.push(run);
      console.error(
        `  ${rate} queries/s: achieved ${dec(run.achieved)}/s, p50 ${dec(percentile(run.latencies, 50))} ms, p99 ${dec(
          percentile(run.latencies, 99),
        )} ms, ${run.errors} errors${run.gaveUpAt === null ? '' : `, gave up after ${dec(run.gaveUpAt)} s`}`,
      );
      if (run.keptUp) break;
      await sleep(1000);
    }
    return { adapter, version, index, serial, totals, heavy, loads } satisfies AdapterResult;
  } finally {
    await opened.cleanup();
  }
}

// ---- report -----------------------------------------------------------------------------------

const mean = (values: readonly number[]): number => (values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length);
const mib = (bytes: number): string => dec(bytes / 2 ** 20, 1);
const load3 = (values: readonly number[]): string => values.map((v) => v.toFixed(2)).join(' / ');

/** The mix's mean service time, one query at a time: each kind's mean weighted by its share of the traffic. */
function mixServiceMs(result: AdapterResult): number {
  const total = queryKinds.reduce((sum, k) => sum + k.weight, 0);
  return queryKinds.reduce((sum, k) => sum + (k.weight / total) * mean(result.serial.get(k.kind) ?? []), 0);
}

function row(label: string, results: readonly AdapterResult[], cell: (r: AdapterResult) => string): string {
  return `| ${label} | ${results.map(cell).join(' | ')} |`;
}

function loadCell(run: LoadRun | undefined, value: (run: LoadRun) => string): string {
  return run === undefined ? '—' : value(run);
}

function verdict(run: LoadRun): string {
  if (run.gaveUpAt !== null) return `no: a query waited > ${dec(MAX_BACKLOG_MS / 1000, 0)} s after ${dec(run.gaveUpAt)} s, run stopped`;
  if (run.achieved < KEPT_UP_SHARE * run.rate) return `no: answers came at ${Math.round((run.achieved / run.rate) * 100)}% of the rate`;
  return run.keptUp ? 'yes' : 'no: latency grew during the run';
}

function loadRows(results: readonly AdapterResult[], pick: (r: AdapterResult) => LoadRun | undefined): string {
  const q = (p: number) => (run: LoadRun) => dec(percentile(run.latencies, p));
  return [
    row('queries scheduled / answered', results, (r) => loadCell(pick(r), (run) => `${int(run.scheduled)} / ${int(run.answered)}`)),
    row('achieved queries/s', results, (r) => loadCell(pick(r), (run) => dec(run.achieved))),
    row('p50 ms', results, (r) => loadCell(pick(r), q(50))),
    row('p95 ms', results, (r) => loadCell(pick(r), q(95))),
    row('p99 ms', results, (r) => loadCell(pick(r), q(99))),
    row('max ms', results, (r) => loadCell(pick(r), (run) => dec(Math.max(...run.latencies)))),
    row('p50 ms, first / last quarter of the schedule', results, (r) =>
      loadCell(pick(r), (run) => `${dec(run.firstQuarterP50)} / ${dec(run.lastQuarterP50)}`),
    ),
    row('errors', results, (r) =>
      loadCell(pick(r), (run) => (run.errors === 0 ? '0' : `${run.errors} (${(run.firstError ?? '').slice(0, 80).replaceAll('|', '/')})`)),
    ),
    row('most queries in flight', results, (r) => loadCell(pick(r), (run) => int(run.maxInFlight))),
    row('kept up', results, (r) => loadCell(pick(r), verdict)),
  ].join('\n');
}

function readingOfIndex(results: readonly AdapterResult[]): string {
  const rates = results.map((r) => `${r.adapter} ${int(PRODUCTS / r.index.seconds)}`).join(', ');
  const fastest = [...results].sort((a, b) => a.index.seconds - b.index.seconds)[0] as AdapterResult;
  return `Products/s: ${rates}; ${fastest.adapter} was the fastest here. Each batch is one \`upsertProducts\` call that resolves only
once its products are searchable — OpenSearch: one \`_bulk\` request with \`refresh=true\`, so every batch creates and opens a new
segment; PostgreSQL and PGlite: one \`INSERT … ON CONFLICT\` statement per batch that also computes the tsvectors of name and
description (Russian and English), updates the GIN index and keeps the typo vocabulary (\`search_words\`) through a statement
trigger. Batches go one after another with no overlap, like the search sink worker; a bulk load without per-batch visibility
(refresh off, COPY) is not what the worker does and is not measured here. Size on disk is measured right after the last batch (OpenSearch has not merged its
segments yet).`;
}

function readingOfLoad(results: readonly AdapterResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const first = r.loads[0] as LoadRun;
    const kept = r.loads.find((run) => run.keptUp);
    const service = mixServiceMs(r);
    const capacity = 1000 / service;
    const parts = [
      `${r.adapter}: one at a time, a query of the mix took ${dec(service)} ms on average (weighted by the mix): about ${dec(
        capacity,
        0,
      )} queries/s if queries run one after another.`,
    ];
    if (first.keptUp) {
      parts.push(
        `At ${int(first.rate)} queries/s it kept up: p50 ${dec(percentile(first.latencies, 50))} ms, p99 ${dec(percentile(first.latencies, 99))} ms.`,
      );
    } else {
      parts.push(`At ${int(first.rate)} queries/s it did not keep up (${verdict(first)}).`);
      parts.push(
        kept === undefined
          ? `It did not keep up at any rate tried (down to ${int(r.loads.at(-1)?.rate ?? NaN)} queries/s).`
          : `It kept up at ${int(kept.rate)} queries/s: p50 ${dec(percentile(kept.latencies, 50))} ms, p99 ${dec(percentile(kept.latencies, 99))} ms.`,
      );
    }
    lines.push(`- ${parts.join(' ')}`);
  }
  return lines.join('\n');
}

/** Which distinct queries found nothing, and where the adapters' product counts differ (typo tolerance and stemming differ in detail). */
function readingOfTotals(results: readonly AdapterResult[]): string {
  const queries = distinctQueries().map(({ request }) => describeRequest(request));
  const empty = queries.filter((q) => results.some((r) => r.totals.get(q) === 0));
  const differing = queries.filter((q) => new Set(results.map((r) => r.totals.get(q))).size > 1);
  const counts = (q: string) => `${q}: ${results.map((r) => `${r.adapter} ${int(r.totals.get(q) ?? NaN)}`).join(', ')}`;
  const parts = [
    empty.length === 0
      ? 'Every query of the mix found products on every adapter.'
      : `Queries that found nothing on some adapter: ${empty.map(counts).join('; ')}.`,
    differing.length === 0
      ? 'Every query found the same number of products on every adapter.'
      : `${differing.length} of ${queries.length} queries found different numbers of products on different adapters (typo tolerance and stemming differ in detail), e.g. ${differing
          .slice(0, 3)
          .map(counts)
          .join('; ')}.`,
  ];
  return parts.join(' ');
}

function readingOfHeavy(results: readonly AdapterResult[], heavyWord: string): string {
  const p50s = (kind: HeavyRun['kind']) =>
    results.map((r) => `${r.adapter} ${dec(percentile(r.heavy.find((h) => h.kind === kind)?.ms ?? [], 50))} ms`).join(', ');
  const ratio = (r: AdapterResult) => {
    const word = percentile(r.heavy.find((h) => h.kind === 'word')?.ms ?? [], 50);
    const serial = mixServiceMs(r);
    return `${r.adapter} ${dec(word / serial)}×`;
  };
  return `p50 of «${heavyWord}»: ${p50s('word')}; of browsing everything: ${p50s('browse')}. Against the mix's mean
query (one at a time, above) the word cost ${results.map(ratio).join(', ')}. OpenSearch ranks the word's matches over six fields
(with typo expansion) and counts both facets with terms aggregations; browsing is a \`match_all\` sorted by \`name.keyword\`.
PostgreSQL and PGlite rank every matching row with \`ts_rank_cd\`, then count total and facets over them in SQL; browsing
sorts the whole catalog by name and groups it twice.`;
}

async function report(
  results: AdapterResult[],
  heavyWord: { word: string; holders: number },
  loadAtStart: number[],
  sampleSize: number,
): Promise<void> {
  const header = `|  | ${results.map((r) => r.adapter).join(' | ')} |\n| --- | ${results.map(() => '---:').join(' | ')} |`;
  const indexTable = [
    header,
    row('products/s', results, (r) => int(PRODUCTS / r.index.seconds)),
    row('wall time s', results, (r) => dec(r.index.seconds, 2)),
    row('batch p50 ms', results, (r) => dec(percentile(r.index.batchMs, 50))),
    row('batch p95 ms', results, (r) => dec(percentile(r.index.batchMs, 95))),
    row('batch max ms', results, (r) => dec(Math.max(...r.index.batchMs))),
    row('products stored (countProducts)', results, (r) => int(r.index.stored)),
    row('size on disk MiB', results, (r) => mib(r.index.bytes)),
  ].join('\n');

  const serialTable = [
    header,
    ...queryKinds.map(({ kind, weight }) =>
      row(`${kind} (${weight}% of the mix)`, results, (r) => {
        const ms = r.serial.get(kind) ?? [];
        return `${dec(percentile(ms, 50))} / ${dec(Math.max(...ms))}`;
      }),
    ),
    row('the mix, mean (weighted)', results, (r) => dec(mixServiceMs(r))),
  ].join('\n');

  const atTarget = `${header}\n${loadRows(results, (r) => r.loads[0])}`;
  const lowerRates = [...new Set(results.flatMap((r) => r.loads.slice(1).map((run) => run.rate)))].sort((a, b) => b - a);
  const lowerTables = lowerRates
    .map(
      (rate) => `At ${int(rate)} queries/s (only for an adapter that did not keep up at the rate above):

${header}
${loadRows(results, (r) => r.loads.slice(1).find((run) => run.rate === rate))}`,
    )
    .join('\n\n');

  const heavyTable = [
    header,
    ...(results[0]?.heavy ?? []).map((h, i) =>
      row(`${h.label}: p50 / max ms`, results, (r) => {
        const run = r.heavy[i] as HeavyRun;
        return `${dec(percentile(run.ms, 50))} / ${dec(Math.max(...run.ms))}`;
      }),
    ),
    ...(results[0]?.heavy ?? []).map((h, i) => row(`${h.label}: products found`, results, (r) => int((r.heavy[i] as HeavyRun).total))),
  ].join('\n');

  const distinct = distinctQueries().length;

  await writeSection(
    'search',
    `## Marketplace search: OpenSearch, PostgreSQL and PGlite

The three \`SearchIndex\` adapters one after another in the same run (${results.map((r) => r.version).join(', ')}): OpenSearch (\`scripts/stack\`, one node, indexes under a
prefix of the run's own, deleted afterwards), PostgreSQL full-text search on the server (a schema of its own, dropped afterwards;
the adapter's default pool of 4 connections) and on PGlite as \`pulse start\` opens it (in the benchmark's own process, a temporary
directory, removed afterwards). The catalog: ${int(PRODUCTS)} products made from the ${int(sampleSize)} of the sample catalog (\`loadSampleCatalog()\`) — each sample product offered
by several sellers, each offer with its own id, a model code after the name («Умные часы Nova Lite KM-4821»), its seller at the
end of the description («Продавец: ТехноМир.» / "Sold by City Shop."), its own price and stock.

The query mix (${distinct} distinct queries, drawn by a seeded generator by the shares below): Russian and English words from names
and descriptions, inflected forms («часов», «смартфона», «шумоподавлением», "laptops"), typos («смартфн», "headphnes", "laptpo"),
two-word queries («умные часы», "wireless headphones"), text with a category and/or brand filter, and browsing by facets with no
text. Every search asks the default page (20 hits) with both facets.

- Date: ${today()}
- Machine: ${machine()}; load average (1 / 5 / 15 min) ${load3(loadAtStart)} at the start, ${load3(loadavg())} at the end — other
  tests were running on the machine at the same time, and OpenSearch and PostgreSQL run on it too
- Command: \`npm run bench -- search\` (stack up first: \`npm run stack -- up\`; \`BENCH_PRODUCTS\`, \`BENCH_RATE\`, \`BENCH_SECONDS\`,
  \`BENCH_FALLBACK_RATES\`, \`BENCH_MAX_BACKLOG_MS\` change the run)

### Index throughput

${int(PRODUCTS)} products in batches of ${BATCH}, one \`upsertProducts\` after another (as the search sink worker writes them); wall
time from the first batch sent to the last acknowledged (a batch is searchable when it is acknowledged).

${indexTable}

What this means: ${readingOfIndex(results)}

### Search latency at a fixed rate (open loop)

${int(RATE)} queries/s for ${dec(SECONDS, 0)} s, issued on a fixed schedule whatever earlier queries are doing; each query's latency
runs from when it was due, so time spent queued counts (no coordinated omission). The run gives up issuing when a query has waited
longer than ${dec(MAX_BACKLOG_MS / 1000, 0)} s (the latency grows without bound: the adapter does not keep up); "kept up" means it did not
give up, answers came at ≥ ${Math.round(KEPT_UP_SHARE * 100)}% of the rate, and the p50 of the queries due in the last quarter of the
schedule was at most ${GROWTH_FACTOR}× that of the first quarter + ${GROWTH_SLACK_MS} ms (latency did not keep growing). An adapter that did not keep up is run again at
${FALLBACK_RATES.map(int).join(', ')} queries/s until it does. Before, every distinct query ran once as a warm-up, so these are warm
caches: the mix repeats ${distinct} queries, where real shoppers have a long tail.

${atTarget}

${lowerTables === '' ? '' : `${lowerTables}\n\n`}Service time by kind of query, one at a time after the warm-up (p50 / max ms of ${SERIAL_PASSES} passes):

${serialTable}

What this means:
${readingOfLoad(results)}

The PostgreSQL adapter makes two or three round trips per text search (analyse the words, look up near words for typos, then one
statement for hits, total and both facets); facets and the total count every matching product, so the cost grows with the number
of matches, and browsing with no text counts and sorts the whole catalog. PGlite runs inside the benchmark's own process, one
query at a time, and blocks its event loop while it does (queued queries wait; the schedule is kept by measuring from when each
was due). Queries overlap differently: PostgreSQL spreads them over the pool's 4 connections (a server process each), OpenSearch
over its search thread pool, PGlite answers one at a time; all on the same two CPUs, shared with other tests.

${readingOfTotals(results)}

On a machine this loaded the rate an adapter keeps up with changes from run to run (other tests take the CPUs in bursts): compare
adapters within one run, and re-run on a quiet machine before sizing anything on these figures.

### Heaviest single queries

One at a time, ${HEAVY_RUNS} runs after a warm-up: the catalog's most frequent word that is a stop word in neither language
(«${heavyWord.word}», in ${int(heavyWord.holders)} of ${int(PRODUCTS)} products), and browsing with no text and no filter.

${heavyTable}

What this means: ${readingOfHeavy(results, heavyWord.word)}${
      new Set(results.map((r) => r.heavy[0]?.total)).size > 1
        ? '\nThe adapters found different numbers of products for the word: typo tolerance also matches words one or two edits away, and they expand words differently.'
        : ''
    }
`,
  );
  console.log(indexTable);
  console.log(atTarget);
  console.log(heavyTable);
}

async function main(): Promise<void> {
  const loadAtStart = loadavg();
  console.error(`- load average at the start: ${load3(loadAtStart)}`);
  const sample = await loadSampleCatalog();
  const products = expandCatalog(sample, PRODUCTS);
  const heavyWord = await heaviestWord(products);
  console.error(`- ${int(products.length)} products; heaviest word «${heavyWord.word}» in ${int(heavyWord.holders)} of them`);
  const mix = queryMix(Math.round(RATE * SECONDS));
  const results: AdapterResult[] = [];
  for (const adapter of ADAPTERS) results.push(await measure(adapter, products, heavyWord.word, mix));
  await report(results, heavyWord, loadAtStart, sample.length);
}

await main();
