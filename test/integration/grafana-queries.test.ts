import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { dashboards } from '../../ops/grafana/build-dashboards.ts';
import { DATASOURCE_VARIABLE, queryPanels, type Dashboard } from '../../ops/grafana/grafana.ts';
import { loadConfig } from '../../src/config/config.ts';
import { startEmbedded } from '../../src/runtime/embedded.ts';
import type { Running } from '../../src/runtime/lifecycle.ts';
import { busAs, withBus } from '../helpers/cluster.ts';
import { pageView } from '../helpers/events.ts';
import { adminHeaders, testAdminToken, waitFor } from '../helpers/services.ts';

/**
 * Grafana is not installable here, so this is the evidence that the dashboards of ops/grafana/ work:
 * every query of every panel, its variables filled in as Grafana would fill them, returns at least
 * one series from the real Prometheus of scripts/stack — scraping the secured cluster's brokers and an
 * embedded Pulse this test starts and feeds.
 */
const prometheusUrl = process.env['PULSE_TEST_PROMETHEUS_URL'];
const targetsDir = process.env['PULSE_TEST_PROMETHEUS_TARGETS_DIR'];
const skipAll =
  prometheusUrl === undefined || prometheusUrl === '' || targetsDir === undefined || targetsDir === ''
    ? 'PULSE_TEST_PROMETHEUS_URL / PULSE_TEST_PROMETHEUS_TARGETS_DIR are not set: start Prometheus with `bash scripts/stack up` and eval "$(bash scripts/stack env)"'
    : false;

/** Grafana's own variables: $__rate_interval is at least four scrape intervals (the stack scrapes every 2 s). */
const builtIns: Readonly<Record<string, string>> = { __rate_interval: '1m', __interval: '15s', __range: '1h', __range_s: '3600' };
/** How long a query may take to return series once its target is scraped (rate() needs two samples). */
const SERIES_TIMEOUT_MS = 90_000;

// --- Prometheus HTTP API ---------------------------------------------------------------------------

interface PromResponse<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
}
interface Series {
  metric: Record<string, string>;
  value: [number, string];
}

class BadQuery extends Error {}

async function prometheus<T>(path: string, params: Record<string, string | string[]>): Promise<T> {
  const url = new URL(path, prometheusUrl);
  for (const [name, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(name, v);
  }
  const response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  const body = (await response.json()) as PromResponse<T>;
  if (body.status !== 'success' || body.data === undefined) {
    // A syntax or type error never fixes itself by waiting: fail at once.
    if (body.errorType === 'bad_data') throw new BadQuery(`${body.error ?? 'bad query'} (${url.searchParams.get('query') ?? path})`);
    throw new Error(`Prometheus ${path}: ${body.errorType ?? response.status} ${body.error ?? ''}`);
  }
  return body.data;
}

async function query(expr: string): Promise<Series[]> {
  const data = await prometheus<{ resultType: string; result: unknown }>('/api/v1/query', { query: expr });
  if (data.resultType === 'scalar') return [{ metric: {}, value: data.result as [number, string] }];
  assert.equal(data.resultType, 'vector', `an instant query gives a vector: ${expr}`);
  return data.result as Series[];
}

const labelValues = (label: string, match: string): Promise<string[]> =>
  prometheus<string[]>(`/api/v1/label/${encodeURIComponent(label)}/values`, {
    'match[]': match,
    start: String(Date.now() / 1000 - 3600),
    end: String(Date.now() / 1000),
  });

// --- Grafana's variable handling -------------------------------------------------------------------

/** How Grafana escapes a value inside a Prometheus regex matcher (prometheusSpecialRegexEscape). */
const regexEscape = (value: string): string => value.replace(/\\/g, '\\\\\\\\').replace(/[$^*{}[\]'+?.()|]/g, '\\\\$&');

function substitute(text: string, values: ReadonlyMap<string, string>): string {
  return text.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (_match, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    const value = values.get(name) ?? builtIns[name];
    if (value === undefined) throw new Error(`no value for $${name} in ${text}`);
    return value;
  });
}

/**
 * Fills the dashboard's variables in order, as Grafana does on load: each `label_values(...)` query
 * is asked of Prometheus (over the default hour), "All" where offered, else the first value; `chosen`
 * picks a value instead (it must be one Grafana would offer).
 */
async function resolveVariables(dashboard: Dashboard, chosen: Readonly<Record<string, string>> = {}): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  for (const variable of dashboard.templating.list) {
    if (variable.type === 'datasource') continue;
    const parsed = /^label_values\((.+),\s*(\w+)\)$/.exec(variable.definition);
    assert.ok(parsed, `$${variable.name}: ${variable.definition}`);
    const [, selector = '', label = ''] = parsed;
    const options = (await labelValues(label, substitute(selector, values))).sort();
    assert.ok(options.length > 0, `${dashboard.title}: variable $${variable.name} (${variable.definition}) offers no value`);
    const pick = chosen[variable.name];
    if (pick !== undefined) {
      assert.ok(options.includes(pick), `${dashboard.title}: $${variable.name} offers ${pick} (offers ${options.join(', ')})`);
      values.set(variable.name, variable.multi || variable.includeAll ? regexEscape(pick) : pick);
    } else if (variable.includeAll) {
      values.set(variable.name, variable.allValue ?? `(${options.map(regexEscape).join('|')})`);
    } else {
      values.set(variable.name, options[0] ?? '');
    }
  }
  return values;
}

// --- the checks ------------------------------------------------------------------------------------

interface Check {
  what: string;
  /** What was asked, shown when it fails. */
  asked: string;
  answered(): Promise<boolean>;
}

const returnsSeries = (what: string, expr: string): Check => ({ what, asked: expr, answered: async () => (await query(expr)).length > 0 });

/** The queries whose only answer is their `or on() vector(0)`: nothing of the kind happened (told, not failed). */
async function zeroFallbacks(checks: readonly Check[]): Promise<string[]> {
  const found: string[] = [];
  for (const check of checks) {
    if (!check.asked.includes('vector(0)')) continue;
    const series = await query(check.asked);
    if (series.length === 1 && Object.keys(series[0]?.metric ?? {}).length === 0 && series[0]?.value[1] === '0') found.push(check.what);
  }
  return found;
}

/**
 * The metric exists on the scraped targets: it has a series, or (a counter of errors that never
 * happened) the targets declare it in their # HELP / # TYPE lines. A misspelt name fails here even
 * when its query ends in `or on() vector(0)`.
 */
const metricExists = (what: string, metric: string, scope: string): Check => {
  const family = metric.replace(/_(bucket|count|sum)$/, '');
  return {
    what,
    asked: `count({__name__="${metric}", ${scope}}) or metadata of ${family} on {${scope}}`,
    answered: async () =>
      (await query(`count({__name__="${metric}", ${scope}})`)).length > 0 ||
      (await prometheus<unknown[]>('/api/v1/targets/metadata', { match_target: `{${scope}}`, metric: family })).length > 0,
  };
};

/** A check per query of every panel, and one per metric the queries name. */
function checksOf(dashboard: Dashboard, values: ReadonlyMap<string, string>, scope: string): Check[] {
  const checks: Check[] = [];
  const metrics = new Set<string>();
  for (const panel of queryPanels(dashboard)) {
    for (const target of panel.targets) {
      checks.push(returnsSeries(`${dashboard.title} / ${panel.title} / ${target.refId}`, substitute(target.expr, values)));
      for (const [name] of target.expr.matchAll(/\b(?:pulse|kafka|jvm|process|nodejs)_\w+|\bup(?=\{)/g)) metrics.add(name);
    }
  }
  for (const metric of [...metrics].sort()) checks.push(metricExists(`${dashboard.title}: metric ${metric}`, metric, scope));
  return checks;
}

/** Runs every check until each is answered or the time is up; `between` runs between rounds (traffic). */
async function unanswered(checks: readonly Check[], between: () => Promise<void> = async () => undefined): Promise<string[]> {
  const deadline = Date.now() + SERIES_TIMEOUT_MS;
  let pending = [...checks];
  const last = new Map<Check, string>();
  while (pending.length > 0) {
    const still: Check[] = [];
    for (const check of pending) {
      try {
        if (!(await check.answered())) {
          still.push(check);
          last.set(check, 'no series');
        }
      } catch (error) {
        if (error instanceof BadQuery) throw new Error(`${check.what}: Prometheus refuses the query: ${error.message}`);
        still.push(check);
        last.set(check, String(error));
      }
    }
    pending = still;
    if (pending.length === 0 || Date.now() > deadline) break;
    await between();
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  return pending.map((check) => `${check.what}: ${last.get(check) ?? 'no series'}\n    ${check.asked}`);
}

// --- Pulse: an embedded process, scraped through a file_sd target file ------------------------------

async function post(url: string, body: unknown): Promise<number> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await response.arrayBuffer();
  return response.status;
}

const product = (id: string, name: string) => ({
  product_id: id,
  name,
  description: 'Наручные часы для проверки поиска',
  price: { amount: 4990, currency: 'RUB' },
  category: 'Часы',
  brand: 'Probe',
  stock: { available: 5, reserved: 0 },
});

/** Enough traffic that every counter of ingest, the workers, the DLQ and search has moved. */
async function pulseTraffic(base: string): Promise<void> {
  assert.equal(await post(`${base}/api/events`, [pageView(), pageView({ type: 'click', selector: '#buy' }), pageView()]), 202);
  // Invalid: refused with 400 and written to the DLQ (pulse_dlq_records_total, rejected{reason="invalid"}).
  assert.equal(await post(`${base}/api/events`, { type: 'page_view', site: 'demo' }), 400);
  // A site Pulse does not collect for: 403, rejected{reason="unknown_site"}.
  assert.equal(await post(`${base}/api/events`, pageView({ site: 'nobody' })), 403);
  const search = await fetch(`${base}/api/shop/search?q=${encodeURIComponent('часы')}`);
  await search.arrayBuffer();
  assert.equal(search.status, 200);
}

describe('Grafana dashboards: every panel query returns series from the real Prometheus', { skip: skipAll, timeout: 600_000 }, () => {
  let running: Running | undefined;
  let dataDir: string | undefined;
  let targetFile: string | undefined;
  let base = '';
  let address = '';

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-grafana-'));
    running = await startEmbedded(
      loadConfig({ PULSE_PORT: '0', PULSE_DATA_DIR: dataDir, PULSE_LOG_LEVEL: 'silent', PULSE_ADMIN_TOKEN: testAdminToken }),
    );
    base = running.url.replace(/\/$/, '');
    address = new URL(base).host;
    targetFile = join(targetsDir ?? '', `grafana-queries-${process.pid}.json`);
    await writeFile(targetFile, JSON.stringify([{ targets: [address], labels: { role: 'embedded' } }]));

    await pulseTraffic(base);
    const published = await fetch(`${base}/api/admin/shop/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...adminHeaders },
      body: JSON.stringify([
        product(`probe-${randomUUID()}`, 'Часы наручные Probe'),
        product(`probe-${randomUUID()}`, 'Часы настенные Probe'),
      ]),
    });
    assert.equal(published.status, 200, await published.text());
    // Prometheus re-reads the targets directory every 5 s and scrapes every 2 s.
    await waitFor(
      async () => ((await query(`up{job="pulse", instance="${address}"} == 1`)).length > 0 ? true : undefined),
      `Prometheus scraping the embedded Pulse at ${address} (file_sd target ${targetFile})`,
      60_000,
    );
  });

  after(async () => {
    if (targetFile !== undefined) await rm(targetFile, { force: true });
    await running?.close();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  test('the Pulse dashboard', { timeout: 300_000 }, async (t: TestContext) => {
    const dashboard = dashboards()['pulse.json'];
    assert.ok(dashboard);
    // This test's process, as an operator would pick it (other Pulse processes may be scraped too).
    const values = await resolveVariables(dashboard, { instance: address });
    assert.equal(values.get(DATASOURCE_VARIABLE), undefined);
    const checks = checksOf(dashboard, values, `instance="${address}"`);
    const missing = await unanswered(checks, () => pulseTraffic(base));
    assert.deepEqual(missing, [], `panel queries without a series:\n${missing.join('\n')}`);
    for (const what of await zeroFallbacks(checks))
      t.diagnostic(`${what}: 0 without labels, what its or on() vector(0) gives when nothing of the kind happened`);
    assert.ok(checks.length >= 40, `${checks.length} queries checked`);
  });

  test('the Kafka brokers dashboard', { timeout: 300_000 }, async (t: TestContext) => {
    if (process.env['PULSE_CLUSTER_BROKERS'] === undefined) {
      t.skip('PULSE_CLUSTER_* is not set: start the cluster with `bash scripts/cluster up` and eval "$(bash scripts/cluster env)"');
      return;
    }
    if ((await query('up{job="kafka"}')).length === 0) {
      t.skip('Prometheus does not scrape the cluster (no job "kafka"; see ops/prometheus/prometheus.yml)');
      return;
    }
    // Per-topic series appear once a topic has traffic: produce to and consume from a topic of this test.
    const topic = 'pulse-grafana-probe';
    await withBus(busAs('ADMIN'), async (bus) => {
      await bus.ensureTopics([{ name: topic, partitions: 3, replicas: 3 }]);
      await bus.produce(
        Array.from({ length: 30 }, (_, i) => ({ topic, key: `k${i}`, value: JSON.stringify({ probe: i, at: Date.now() }) })),
      );
      const group = `pulse-grafana-probe-${randomUUID()}`;
      const subscription = await bus.subscribe({ group, topics: [topic], from: 'earliest' });
      try {
        await waitFor(async () => ((await subscription.poll(100, 1000)).length > 0 ? true : undefined), `records of ${topic}`);
      } finally {
        await subscription.close();
      }
      await bus.deleteGroup(group);
    });
    const dashboard = dashboards()['kafka-brokers.json'];
    assert.ok(dashboard);
    const values = await resolveVariables(dashboard);
    assert.equal(values.get('job'), 'kafka', 'the main cluster is the default job');
    assert.match(values.get('instance') ?? '', /^\(broker-\d+(\|broker-\d+)*\)$/, '"All" stands for the brokers found');
    const checks = checksOf(dashboard, values, 'job="kafka"');
    const missing = await unanswered(checks);
    assert.deepEqual(missing, [], `panel queries without a series:\n${missing.join('\n')}`);
    for (const what of await zeroFallbacks(checks))
      t.diagnostic(`${what}: 0 without labels, what its or on() vector(0) gives when nothing of the kind happened`);
    assert.ok(checks.length >= 50, `${checks.length} queries checked`);
  });
});
