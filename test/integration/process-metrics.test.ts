import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import type { Running } from '../../src/runtime/lifecycle.ts';
import { startEmbedded } from '../../src/runtime/embedded.ts';
import { pageView } from '../helpers/events.ts';
import { adminHeaders, testAdminToken, waitFor } from '../helpers/services.ts';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (label values here never hold `"` or `,`). */
function parseExposition(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      assert.ok(match !== null, `an exposition line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] as string, m[2] as string]));
      return { name: match[1] as string, labels, value: Number(match[3]) };
    });
}

/** The samples of `name` whose labels include `labels`. */
const find = (samples: readonly Sample[], name: string, labels: Record<string, string> = {}): Sample[] =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

/** The one sample of `name` with `labels` (fails when there is none). */
function value(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  const [sample] = find(samples, name, labels);
  assert.ok(sample !== undefined, `${name}${JSON.stringify(labels)} is exported`);
  return sample.value;
}

const product = (id: string, name: string) => ({
  product_id: id,
  name,
  description: 'A watch for the metrics test',
  price: { amount: 4990, currency: 'RUB' },
  category: 'watches',
  brand: 'Aurora',
  stock: { available: 3, reserved: 0 },
});

describe('embedded Pulse exports the metrics operators need on /metrics', () => {
  let dataDir: string;
  let pulse: Running;
  const scrape = async (): Promise<{ text: string; samples: Sample[] }> => {
    const response = await fetch(`${pulse.url}/metrics`);
    assert.equal(response.status, 200);
    const text = await response.text();
    return { text, samples: parseExposition(text) };
  };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-process-metrics-'));
    pulse = await startEmbedded(
      loadConfig({ PULSE_PORT: '0', PULSE_DATA_DIR: dataDir, PULSE_LOG_LEVEL: 'silent', PULSE_ADMIN_TOKEN: testAdminToken }),
    );
  });
  after(async () => {
    await pulse.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('ingest, every worker, the DLQ, the embedded log, the marketplace and search', { timeout: 120_000 }, async () => {
    const events = [pageView(), pageView(), pageView()];
    const sent = await fetch(`${pulse.url}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([...events, { type: 'page_view', site: 'demo' }]),
    });
    assert.equal(sent.status, 202, await sent.text());
    const products = [product('metrics-p1', 'Aurora Chronograph'), product('metrics-p2', 'Aurora Diver')];
    const published = await fetch(`${pulse.url}/api/admin/shop/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...adminHeaders },
      body: JSON.stringify(products),
    });
    assert.equal(published.status, 200, await published.text());
    let searches = 0;
    await waitFor(async () => {
      searches += 1;
      const found = (await (await fetch(`${pulse.url}/api/shop/search?q=chronograph&user_id=metrics-user`)).json()) as { total: number };
      return found.total >= 1 ? true : undefined;
    }, 'the product to be searchable');

    // Everything processed: the workers counted their records, the search sinks indexed the query log.
    const settled = await waitFor(async () => {
      const { samples } = await scrape();
      const ok = (worker: string) => value(samples, 'pulse_worker_records_total', { worker, outcome: 'ok' });
      const lagOf = (worker: string) => find(samples, 'pulse_worker_lag_records', { worker });
      return ok('realtime') === 3 &&
        ok('warehouse-sqlite') === 3 &&
        ok('shop-filter') === 2 &&
        ok('search-products-pglite') === 2 &&
        ok('search-queries-pglite') >= searches &&
        value(samples, 'pulse_shop_category_figures_published_total') >= 1 &&
        lagOf('realtime').length === 6 &&
        lagOf('realtime').every((s) => s.value === 0)
        ? samples
        : undefined;
    }, 'every part to have processed the traffic and refreshed its lag');

    // Ingest: requests by route pattern and status, events by topic and reason, produce latency.
    assert.equal(value(settled, 'pulse_ingest_requests_total', { route: '/api/events', status: '202' }), 1);
    assert.equal(value(settled, 'pulse_ingest_requests_total', { route: '/api/admin/shop/products', status: '200' }), 1);
    assert.equal(value(settled, 'pulse_ingest_requests_total', { route: '/api/shop/search', status: '200' }), searches);
    assert.equal(value(settled, 'pulse_ingest_events_accepted_total', { topic: 'user-activity' }), 3);
    assert.equal(value(settled, 'pulse_ingest_events_rejected_total', { reason: 'invalid' }), 1);
    assert.deepEqual(
      find(settled, 'pulse_ingest_events_rejected_total')
        .map((s) => s.labels['reason'])
        .sort(),
      ['batch_too_large', 'invalid', 'origin_not_allowed', 'unavailable', 'unknown_site'],
    );
    assert.ok(value(settled, 'pulse_ingest_produce_duration_seconds_count', { outcome: 'ok' }) >= 1);
    // DLQ: the invalid event, per DLQ topic; the workers' DLQ topics are exported at 0.
    assert.equal(value(settled, 'pulse_dlq_records_total', { topic: 'user-activity.dlq' }), 1);
    assert.equal(value(settled, 'pulse_dlq_records_total', { topic: 'products.dlq' }), 0);
    // Workers: batch and sink durations, sink errors, lag per partition, freshness.
    for (const worker of ['realtime', 'warehouse-sqlite', 'shop-filter', 'search-products-pglite', 'search-queries-pglite']) {
      assert.ok(value(settled, 'pulse_worker_batch_duration_seconds_count', { worker }) >= 1, worker);
      assert.ok(value(settled, 'pulse_worker_sink_duration_seconds_count', { worker }) >= 1, worker);
      assert.equal(value(settled, 'pulse_worker_sink_errors_total', { worker, retriable: 'true' }), 0, worker);
      assert.equal(value(settled, 'pulse_worker_lag_refresh_errors_total', { worker }), 0, worker);
      assert.ok(find(settled, 'pulse_worker_lag_records', { worker }).length >= 1, worker);
      assert.ok(value(settled, 'pulse_worker_last_batch_timestamp_seconds', { worker }) > Date.now() / 1000 - 600, worker);
    }
    assert.deepEqual(
      find(settled, 'pulse_worker_lag_records', { worker: 'warehouse-sqlite' })
        .map((s) => `${s.labels['topic']}/${s.labels['partition']}`)
        .sort(),
      ['page-views/0', 'page-views/1', 'page-views/2', 'user-activity/0', 'user-activity/1', 'user-activity/2'],
    );
    const age = value(settled, 'pulse_worker_newest_event_age_seconds', { worker: 'realtime' });
    assert.ok(age >= 0 && age < 600, `age ${age}`);
    const newestEvent = Math.max(...events.map((e) => Date.parse(String(e['ts'])))) / 1000;
    assert.ok(Math.abs(value(settled, 'pulse_worker_newest_event_timestamp_seconds', { worker: 'realtime' }) - newestEvent) < 1);
    // Nothing more arrives: the age keeps rising, so a stalled pipeline shows.
    await waitFor(
      async () => {
        const { samples } = await scrape();
        return value(samples, 'pulse_worker_newest_event_age_seconds', { worker: 'realtime' }) > age + 0.5 ? true : undefined;
      },
      'the newest event age to rise',
      10_000,
    );
    // The embedded log on disk and the free space of its filesystem.
    assert.ok(value(settled, 'pulse_embedded_log_bytes', { topic: 'user-activity' }) > 0);
    assert.ok(value(settled, 'pulse_embedded_log_bytes', { topic: 'user-activity.dlq' }) > 0);
    assert.ok(value(settled, 'pulse_embedded_disk_free_bytes') > 0);
    assert.ok(value(settled, 'pulse_embedded_disk_size_bytes') >= value(settled, 'pulse_embedded_disk_free_bytes'));
    // Marketplace and search.
    assert.equal(value(settled, 'pulse_shop_filter_products_total', { outcome: 'passed' }), 2);
    assert.equal(value(settled, 'pulse_shop_filter_products_total', { outcome: 'banned' }), 0);
    assert.equal(value(settled, 'pulse_shop_withdrawals_total'), 0);
    assert.equal(value(settled, 'pulse_shop_ban_rules'), 0);
    assert.equal(value(settled, 'pulse_search_requests_total', { kind: 'pglite', outcome: 'ok' }), searches);
    assert.equal(value(settled, 'pulse_search_duration_seconds_count', { kind: 'pglite' }), searches);
    assert.ok(value(settled, 'pulse_search_index_write_duration_seconds_count', { kind: 'pglite', operation: 'upsert_products' }) >= 1);
    assert.ok(value(settled, 'pulse_search_index_write_duration_seconds_count', { kind: 'pglite', operation: 'index_queries' }) >= 1);
    assert.equal(value(settled, 'pulse_search_index_write_errors_total', { kind: 'pglite', operation: 'upsert_products' }), 0);

    // Bounded label sets: no user id, product id, site key or search text in any label of Pulse's metrics.
    const userInput = new Set([
      ...events.map((e) => String(e['user_id'])),
      'metrics-user',
      'metrics-p1',
      'metrics-p2',
      'chronograph',
      'demo',
    ]);
    for (const sample of settled.filter((s) => s.name.startsWith('pulse_'))) {
      for (const label of Object.values(sample.labels)) assert.ok(!userInput.has(label), `${sample.name} has ${label} as a label`);
    }
    for (const { labels } of find(settled, 'pulse_ingest_requests_total')) assert.doesNotMatch(labels['route'] ?? '', /\?/);
  });

  test('promtool check metrics accepts the exposition of Pulse (naming lint)', async (t) => {
    if (spawnSync('sh', ['-c', 'command -v promtool']).status !== 0) {
      t.skip('promtool is not installed (Debian package prometheus): the naming lint is not checked');
      return;
    }
    const { text } = await scrape();
    const checked = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    const problems = `${checked.stdout}${checked.stderr}`
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '');
    // prom-client's own default gauges carry a `_total` suffix; nothing else may be reported.
    const promClientDefaults = /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;
    const ours = problems.filter((line) => !promClientDefaults.test(line));
    assert.deepEqual(ours, [], `promtool check metrics (exit ${String(checked.status)})`);
    assert.ok(checked.status === 0 || problems.length > 0, `promtool failed without a lint problem: exit ${String(checked.status)}`);
  });
});
