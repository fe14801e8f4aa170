import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { dashboards, generate, grafanaDir, outdated } from '../../../ops/grafana/build-dashboards.ts';
import { DATASOURCE_VARIABLE, SCHEMA_VERSION, queryPanels, type Dashboard, type QueryPanel } from '../../../ops/grafana/grafana.ts';
import { DASHBOARDS_PATH, DATASOURCE_UID, DEFAULT_PROMETHEUS_URL } from '../../../ops/grafana/provisioning.ts';
import { repoRoot } from '../../helpers/services.ts';

const all = Object.entries(dashboards());
const variableRef = `\${${DATASOURCE_VARIABLE}}`;
/** Variables Grafana itself defines. */
const builtIns = new Set(['__rate_interval', '__interval', '__range', '__range_s']);

test('the committed dashboards and provisioning files are exactly what the generator writes', async () => {
  const files = await generate();
  assert.deepEqual(files.map((f) => f.path).sort(), [
    'dashboards/kafka-brokers.json',
    'dashboards/pulse.json',
    'provisioning/dashboards.yml',
    'provisioning/datasources.yml',
  ]);
  assert.deepEqual(await outdated(files), [], 'out of date: run node ops/grafana/build-dashboards.ts');
  // Nothing else lies in dashboards/: Grafana would load a stale JSON a generator change left behind.
  assert.deepEqual((await readdir(join(grafanaDir, 'dashboards'))).sort(), ['kafka-brokers.json', 'pulse.json']);
  for (const [name, dashboard] of all) {
    assert.deepEqual(JSON.parse(await readFile(join(grafanaDir, 'dashboards', name), 'utf8')), JSON.parse(JSON.stringify(dashboard)));
  }
});

test('each dashboard is a Grafana dashboard of schema 39 with a Prometheus datasource variable', () => {
  const uids = all.map(([, d]) => d.uid);
  assert.equal(new Set(uids).size, uids.length, 'dashboard uids are unique');
  for (const [name, d] of all) {
    assert.equal(d.schemaVersion, SCHEMA_VERSION, name);
    assert.equal(SCHEMA_VERSION, 39);
    assert.match(d.uid, /^[a-z0-9-]{1,40}$/, `${name}: uid Grafana accepts`);
    assert.ok(d.title.length > 0 && d.description.length > 0, name);
    assert.equal(d.id, null, `${name}: no database id (Grafana assigns one on provisioning)`);
    const [first, ...rest] = d.templating.list;
    assert.equal(first?.type, 'datasource', `${name}: the first variable picks the data source`);
    assert.equal(first?.name, DATASOURCE_VARIABLE);
    assert.equal(first?.type === 'datasource' ? first.query : undefined, 'prometheus');
    assert.equal(
      first?.type === 'datasource' ? first.current.value : undefined,
      DATASOURCE_UID,
      `${name}: defaults to the provisioned one`,
    );
    for (const variable of rest) {
      assert.equal(variable.type, 'query', `${name}: ${variable.name}`);
      if (variable.type !== 'query') continue;
      assert.deepEqual(
        variable.datasource,
        { type: 'prometheus', uid: variableRef },
        `${name}: $${variable.name} reads through $datasource`,
      );
      assert.match(variable.definition, /^label_values\(\w+(\{[^}]*\})?, *\w+\)$/, `${name}: $${variable.name}`);
      assert.equal(variable.query.query, variable.definition);
    }
    const names = d.templating.list.map((v) => v.name);
    assert.equal(new Set(names).size, names.length, `${name}: variable names are unique`);
  }
});

test('panel ids are unique, every panel has queries with expr and refId through the datasource variable', () => {
  for (const [name, d] of all) {
    const ids = d.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, `${name}: unique panel ids`);
    assert.ok(
      ids.every((id) => Number.isInteger(id) && id > 0),
      `${name}: positive integer ids`,
    );
    assert.ok(queryPanels(d).length >= 10, `${name}: a dashboard, not a stub`);
    for (const panel of queryPanels(d)) {
      const where = `${name} / ${panel.title}`;
      assert.ok(['stat', 'timeseries'].includes(panel.type), where);
      assert.deepEqual(panel.datasource, { type: 'prometheus', uid: variableRef }, where);
      assert.ok(panel.title.length > 0 && panel.description.length > 0, `${where}: title and description`);
      assert.ok(panel.targets.length > 0, `${where}: has queries`);
      const refIds = panel.targets.map((t) => t.refId);
      assert.equal(new Set(refIds).size, refIds.length, `${where}: unique refIds`);
      for (const target of panel.targets) {
        assert.ok(target.expr.trim().length > 0, `${where}: expr`);
        assert.match(target.refId, /^[A-Z]$/, `${where}: refId`);
        assert.deepEqual(target.datasource, { type: 'prometheus', uid: variableRef }, `${where} ${target.refId}`);
        assert.ok(balanced(target.expr), `${where} ${target.refId}: balanced brackets and quotes in ${target.expr}`);
      }
      assert.ok(panel.fieldConfig.defaults.thresholds.steps[0]?.value === null, `${where}: thresholds start with a base step`);
      const values = panel.fieldConfig.defaults.thresholds.steps.slice(1).map((s) => s.value ?? NaN);
      assert.deepEqual(
        values,
        [...values].sort((a, b) => a - b),
        `${where}: thresholds ascend`,
      );
    }
  }
});

test('every variable a query uses is defined, and every defined variable is used', () => {
  for (const [name, d] of all) {
    const defined = new Set(d.templating.list.map((v) => v.name));
    const used = new Set<string>();
    const texts = [
      ...queryPanels(d).flatMap((p) => p.targets.map((t) => t.expr)),
      ...d.templating.list.flatMap((v) => (v.type === 'query' ? [v.definition] : [])),
    ];
    for (const text of texts) {
      for (const [, variable = ''] of text.matchAll(/\$\{?(\w+)/g)) {
        used.add(variable);
        assert.ok(defined.has(variable) || builtIns.has(variable), `${name}: $${variable} in ${text} is not defined`);
      }
    }
    for (const variable of defined) {
      if (variable !== DATASOURCE_VARIABLE) assert.ok(used.has(variable), `${name}: $${variable} is never used`);
    }
  }
});

test('panels sit on the 24-column grid without overlapping', () => {
  for (const [name, d] of all) {
    const boxes = d.panels.map((p) => ({ title: p.title, ...p.gridPos }));
    for (const box of boxes) {
      assert.ok(box.x >= 0 && box.w > 0 && box.x + box.w <= 24 && box.h > 0 && box.y >= 0, `${name}: ${box.title} on the grid`);
    }
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        assert.ok(!overlap, `${name}: ${a.title} overlaps ${b.title}`);
      }
    }
  }
});

const exprsOf = (d: Dashboard): string =>
  queryPanels(d)
    .flatMap((p) => p.targets.map((t) => t.expr))
    .join('\n');
const panel = (d: Dashboard, title: string): QueryPanel => {
  const found = queryPanels(d).find((p) => p.title === title);
  assert.ok(found, `${d.title}: panel "${title}"`);
  return found;
};

test('the Kafka dashboard has the panels operators know from the common Kafka dashboards', () => {
  const d = dashboards()['kafka-brokers.json'];
  assert.ok(d);
  for (const title of ['Brokers online', 'Active controller', 'Under-replicated partitions', 'Offline partitions', 'Under min ISR']) {
    assert.equal(panel(d, title).type, 'stat', title);
  }
  const exprs = exprsOf(d);
  for (const metric of [
    'kafka_server_kafkaserver_brokerstate',
    'kafka_controller_kafkacontroller_activecontrollercount',
    'kafka_server_replicamanager_underreplicatedpartitions',
    'kafka_controller_kafkacontroller_offlinepartitionscount',
    'kafka_server_replicamanager_underminisrpartitioncount',
    'kafka_server_brokertopicmetrics_messagesin_total',
    'kafka_server_brokertopicmetrics_bytesin_total',
    'kafka_server_brokertopicmetrics_bytesout_total',
    'kafka_network_requestmetrics_requests_total',
    'kafka_network_requestmetrics_errors_total',
    'kafka_network_requestmetrics_totaltimems',
    'jvm_memory_used_bytes',
    'jvm_gc_collection_seconds_sum',
  ]) {
    assert.ok(exprs.includes(metric), `a panel shows ${metric}`);
  }
  // Per topic and in total: the exporter gives both (the total has no topic label).
  assert.match(exprs, /messagesin_total\{[^}]*topic=~"\$topic"/);
  assert.match(exprs, /messagesin_total\{[^}]*topic=""/);
  assert.equal(panel(d, 'Heap used').fieldConfig.defaults.unit, 'bytes');
  assert.equal(panel(d, 'Request latency p99').fieldConfig.defaults.unit, 'ms');
  // Exactly one active controller is healthy: 0 and 2 are red.
  assert.deepEqual(
    panel(d, 'Active controller').fieldConfig.defaults.thresholds.steps.map((s) => [s.value, s.color]),
    [
      [null, 'red'],
      [1, 'green'],
      [2, 'red'],
    ],
  );
});

test('the Pulse dashboard covers ingest, lag and freshness per worker, DLQ, sink latency and search', async () => {
  const d = dashboards()['pulse.json'];
  assert.ok(d);
  const exprs = exprsOf(d);
  for (const metric of [
    'pulse_ingest_requests_total',
    'pulse_ingest_events_accepted_total',
    'pulse_ingest_events_rejected_total',
    'pulse_ingest_produce_duration_seconds_bucket',
    'pulse_worker_lag_records',
    'pulse_worker_newest_event_age_seconds',
    'pulse_worker_records_total',
    'pulse_worker_batch_duration_seconds_bucket',
    'pulse_worker_sink_duration_seconds_bucket',
    'pulse_dlq_records_total',
    'pulse_search_requests_total',
    'pulse_search_duration_seconds_bucket',
    'pulse_shop_filter_products_total',
  ]) {
    assert.ok(exprs.includes(metric), `a panel shows ${metric}`);
  }
  assert.match(panel(d, 'Produce latency').targets[0]?.expr ?? '', /^histogram_quantile\(0\.99,/);
  assert.equal(panel(d, 'Freshness').fieldConfig.defaults.unit, 's');
  assert.match(panel(d, 'Collect requests by status').targets[0]?.expr ?? '', /sum by \(status\)/);
  assert.match(panel(d, 'Events rejected by reason').targets[0]?.expr ?? '', /sum by \(reason\)/);

  // Every pulse_* metric a panel reads is one Pulse's source defines (a renamed metric breaks this, not the dashboard in production).
  const source = await sourceText(join(repoRoot, 'src'));
  const missing = [...new Set([...exprs.matchAll(/\bpulse_\w+/g)].map(([m]) => m.replace(/_(bucket|count|sum)$/, '')))].filter(
    (metric) => !source.includes(`'${metric}'`),
  );
  assert.deepEqual(missing, [], 'metrics no file of src/ defines');
});

test('the provisioning files point Grafana at the dashboards and a Prometheus, documented', async () => {
  const datasources = await readFile(join(grafanaDir, 'provisioning', 'datasources.yml'), 'utf8');
  assert.match(datasources, /^apiVersion: 1$/m);
  assert.match(datasources, /^ {4}type: prometheus$/m);
  assert.match(datasources, new RegExp(`^ {4}uid: ${DATASOURCE_UID}$`, 'm'));
  assert.match(datasources, new RegExp(`^ {4}url: ${DEFAULT_PROMETHEUS_URL.replaceAll('.', '\\.')}$`, 'm'));
  assert.match(datasources, /^# .*url:/m, 'explains the url');
  const provider = await readFile(join(grafanaDir, 'provisioning', 'dashboards.yml'), 'utf8');
  assert.match(provider, /^apiVersion: 1$/m);
  assert.match(provider, /^ {4}type: file$/m);
  assert.match(provider, new RegExp(`^ {6}path: ${DASHBOARDS_PATH}$`, 'm'));
  assert.match(provider, /ops\/grafana\/dashboards/, 'says what to copy there');
});

/** Brackets and quotes pair up (a cheap syntax check; the integration test runs every query on Prometheus). */
function balanced(expr: string): boolean {
  const closing: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
  const stack: string[] = [];
  let quote: string | undefined;
  for (const char of expr) {
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      continue;
    }
    if (char === '"' || char === "'") quote = char;
    else if (char in closing) stack.push(closing[char] ?? '');
    else if (char === ')' || char === ']' || char === '}') {
      if (stack.pop() !== char) return false;
    }
  }
  return stack.length === 0 && quote === undefined;
}

async function sourceText(dir: string): Promise<string> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const files = entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
  return (await Promise.all(files.map((file) => readFile(file, 'utf8')))).join('\n');
}
