import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { startEmbedded } from '../../src/runtime/embedded.ts';
import type { Running } from '../../src/runtime/lifecycle.ts';
import { pageView } from '../helpers/events.ts';
import { repoRoot, waitFor } from '../helpers/services.ts';

/**
 * The Prometheus and Alertmanager `scripts/stack` runs (ops/prometheus, ops/alertmanager): they answer,
 * Prometheus has loaded every alert rule of ops/prometheus/rules and alerts the local Alertmanager, scrapes
 * the JMX exporters of the secured cluster's brokers (`scripts/cluster`), and picks up a Pulse process
 * from a file in its targets directory — with every metric the alert rules read.
 */
const prometheusUrl = process.env['PULSE_TEST_PROMETHEUS_URL'] ?? '';
const alertmanagerUrl = process.env['PULSE_TEST_ALERTMANAGER_URL'] ?? '';
const targetsDir = process.env['PULSE_TEST_PROMETHEUS_TARGETS_DIR'] ?? '';
const skipAll =
  prometheusUrl === '' || alertmanagerUrl === '' || targetsDir === ''
    ? 'PULSE_TEST_PROMETHEUS_URL / PULSE_TEST_ALERTMANAGER_URL / PULSE_TEST_PROMETHEUS_TARGETS_DIR are not set: start them with `bash scripts/stack up prometheus alertmanager` and eval "$(bash scripts/stack env)"'
    : false;
const clusterJmxUrls = process.env['PULSE_CLUSTER_JMX_URLS'] ?? '';
const skipCluster =
  clusterJmxUrls === ''
    ? 'PULSE_CLUSTER_JMX_URLS is not set: start the cluster with `bash scripts/cluster up` and eval "$(bash scripts/cluster env)"'
    : false;

/** Scrapes every 2 s, target files re-read every 5 s: a target shows up well within this. */
const SCRAPE_TIMEOUT_MS = 45_000;

interface PromResponse<T> {
  status: 'success' | 'error';
  data?: T;
  error?: string;
}
interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}
interface RuleGroup {
  file: string;
  rules: {
    type: 'alerting' | 'recording';
    name: string;
    health: string;
    lastError?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  }[];
}
interface Target {
  labels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
  health: string;
}

async function prometheus<T>(path: string, params: Record<string, string> = {}): Promise<T> {
  const url = new URL(path, prometheusUrl);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as PromResponse<T>;
  if (body.status !== 'success' || body.data === undefined) throw new Error(`Prometheus ${path}: ${body.error ?? response.status}`);
  return body.data;
}

async function query(expr: string): Promise<Sample[]> {
  const data = await prometheus<{ resultType: string; result: Sample[] }>('/api/v1/query', { query: expr });
  assert.equal(data.resultType, 'vector', expr);
  return data.result;
}

/** `alert:` names of the rule files Prometheus is told to load. */
async function alertNamesInRuleFiles(): Promise<string[]> {
  const dir = join(repoRoot, 'ops', 'prometheus', 'rules');
  const names: string[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.yml'))) {
    const text = await readFile(join(dir, file), 'utf8');
    for (const match of text.matchAll(/^\s*- alert:\s*(\S+)\s*$/gm)) names.push(match[1] ?? '');
  }
  return names.sort();
}

describe('Prometheus and Alertmanager from scripts/stack', { skip: skipAll, timeout: 300_000 }, () => {
  test('both answer, and Prometheus alerts the local Alertmanager', async () => {
    for (const base of [prometheusUrl, alertmanagerUrl]) {
      const ready = await fetch(new URL('/-/ready', base), { signal: AbortSignal.timeout(10_000) });
      assert.equal(ready.status, 200, `${base}/-/ready`);
    }
    const alertmanagers = await waitFor(async () => {
      const data = await prometheus<{ activeAlertmanagers: { url: string }[] }>('/api/v1/alertmanagers');
      return data.activeAlertmanagers.length > 0 ? data.activeAlertmanagers : undefined;
    }, 'an active Alertmanager in Prometheus');
    assert.deepEqual(
      alertmanagers.map((a) => new URL(a.url).host),
      [new URL(alertmanagerUrl).host],
    );
    // Alertmanager runs the rendered ops/alertmanager/alertmanager.yml: everything to Pulse's webhook, resolved too.
    const status = (await (await fetch(new URL('/api/v2/status', alertmanagerUrl))).json()) as { config: { original: string } };
    const config = status.config.original;
    assert.match(config, /receiver: pulse-webhook/);
    assert.match(config, /url: http:\/\/[^\s]+\/api\/alerts\/webhook/);
    assert.match(config, /send_resolved: true/);
  });

  test('has loaded every alert rule, each with severity, summary, description and runbook', async () => {
    const expected = await alertNamesInRuleFiles();
    assert.ok(expected.length >= 12, `alert rules found in ops/prometheus/rules: ${expected.join(', ')}`);
    for (const name of ['KafkaBrokerDown', 'KafkaUnderReplicatedPartitions', 'PulseConsumerLagHigh', 'PulseDlqGrowing']) {
      assert.ok(expected.includes(name), `${name} is one of the rules`);
    }
    const rules = await waitFor(async () => {
      const { groups } = await prometheus<{ groups: RuleGroup[] }>('/api/v1/rules', { type: 'alert' });
      const all = groups.flatMap((g) => g.rules);
      // evaluated at least once (health "unknown" before the first evaluation)
      return all.length === expected.length && all.every((r) => r.health !== 'unknown') ? all : undefined;
    }, `Prometheus to load and evaluate the ${expected.length} alert rules`);
    assert.deepEqual(rules.map((r) => r.name).sort(), expected);
    for (const rule of rules) {
      assert.equal(rule.health, 'ok', `${rule.name} evaluates without error: ${rule.lastError ?? ''}`);
      assert.ok(['critical', 'warning'].includes(rule.labels['severity'] ?? ''), `${rule.name} severity`);
      assert.ok((rule.annotations['summary'] ?? '').length > 0, `${rule.name} summary`);
      assert.ok((rule.annotations['description'] ?? '').length > 0, `${rule.name} description`);
      assert.equal(rule.annotations['runbook_url'], `README.md#runbook-${rule.name.toLowerCase()}`, `${rule.name} runbook_url`);
    }
  });

  test('scrapes the JMX exporter of every broker of the secured cluster', { skip: skipCluster }, async () => {
    const urls = clusterJmxUrls.split(',');
    assert.equal(urls.length, 3, `PULSE_CLUSTER_JMX_URLS lists the 3 main brokers: ${clusterJmxUrls}`);
    // Prometheus scrapes exactly the exporters the cluster reports, as broker-1..3 of job "kafka"
    const { activeTargets } = await prometheus<{ activeTargets: Target[] }>('/api/v1/targets', { state: 'active' });
    const kafka = activeTargets.filter((t) => t.scrapePool === 'kafka');
    assert.deepEqual(kafka.map((t) => t.scrapeUrl).sort(), [...urls].sort());
    assert.deepEqual(kafka.map((t) => t.labels['instance']).sort(), ['broker-1', 'broker-2', 'broker-3']);

    const up = await waitFor(
      async () => {
        const samples = await query('up{job="kafka"}');
        return samples.length === 3 && samples.every((s) => s.value[1] === '1') ? samples : undefined;
      },
      'up{job="kafka"} == 1 for the 3 brokers (is a broker down? bash scripts/cluster status)',
      SCRAPE_TIMEOUT_MS,
    );
    assert.deepEqual(up.map((s) => s.metric['instance']).sort(), ['broker-1', 'broker-2', 'broker-3']);

    // what the Kafka alert rules read exists for every broker under the names they use
    for (const metric of [
      'kafka_server_replicamanager_underreplicatedpartitions',
      'kafka_server_replicamanager_underminisrpartitioncount',
      'kafka_controller_kafkacontroller_offlinepartitionscount',
      'kafka_controller_kafkacontroller_activecontrollercount',
    ]) {
      const samples = await query(`${metric}{job="kafka"}`);
      assert.deepEqual(samples.map((s) => s.metric['instance']).sort(), ['broker-1', 'broker-2', 'broker-3'], metric);
    }
    const [controllers] = await query('sum(kafka_controller_kafkacontroller_activecontrollercount{job="kafka"})');
    assert.equal(controllers?.value[1], '1', 'one active controller among the brokers');
    for (const job of ['kafka-backup', 'kafka-mirrormaker']) {
      const [sample] = await waitFor(
        async () => {
          const samples = await query(`up{job="${job}"} == 1`);
          return samples.length === 1 ? samples : undefined;
        },
        `up{job="${job}"} == 1`,
        SCRAPE_TIMEOUT_MS,
      );
      assert.ok(sample);
    }
  });

  describe('a Pulse process listed in the targets directory', () => {
    let running: Running | undefined;
    let dataDir = '';
    let targetFile = '';
    let instance = '';

    before(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'pulse-prometheus-'));
      running = await startEmbedded(loadConfig({ PULSE_PORT: '0', PULSE_DATA_DIR: dataDir, PULSE_LOG_LEVEL: 'silent' }));
      instance = new URL(running.url).host;
      targetFile = join(targetsDir, `prometheus-stack-${process.pid}.json`);
    });

    after(async () => {
      await rm(targetFile, { force: true });
      await running?.close();
      await rm(dataDir, { recursive: true, force: true });
    });

    test('is scraped as job "pulse" with its role, with every metric the Pulse alert rules read', async (t: TestContext) => {
      // written whole, then renamed: Prometheus never reads half a file
      await writeFile(`${targetFile}.tmp`, JSON.stringify([{ targets: [instance], labels: { role: 'embedded' } }]));
      await rename(`${targetFile}.tmp`, targetFile);
      t.diagnostic(`target ${instance} in ${targetFile}`);

      const [up] = await waitFor(
        async () => {
          const samples = await query(`up{job="pulse", instance="${instance}"} == 1`);
          return samples.length === 1 ? samples : undefined;
        },
        `up{job="pulse", instance="${instance}"} == 1`,
        SCRAPE_TIMEOUT_MS,
      );
      assert.equal(up?.metric['role'], 'embedded', 'the role label of the targets file');

      // Prometheus' own scrapes are requests: the second scrape sees the first one counted.
      await waitFor(
        async () => {
          const samples = await query(`pulse_ingest_requests_total{job="pulse", instance="${instance}"}`);
          return samples.length > 0 ? samples : undefined;
        },
        `a pulse_ingest_requests_total series of ${instance}`,
        SCRAPE_TIMEOUT_MS,
      );
      // one event, so the workers have processed something (pulse_worker_newest_event_age_seconds)
      const posted = await fetch(new URL('/api/events', running?.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(pageView()),
      });
      await posted.arrayBuffer();
      assert.equal(posted.status, 202);
      for (const metric of [
        'pulse_ingest_events_accepted_total',
        'pulse_worker_newest_event_age_seconds',
        'pulse_worker_lag_records',
        'pulse_dlq_records_total',
        'pulse_embedded_disk_free_bytes',
        'pulse_embedded_disk_size_bytes',
        'pulse_embedded_log_bytes',
      ]) {
        await waitFor(
          async () => ((await query(`${metric}{job="pulse", instance="${instance}"}`)).length > 0 ? true : undefined),
          `${metric} of ${instance} in Prometheus`,
          SCRAPE_TIMEOUT_MS,
        );
      }
    });

    test('is dropped again when its file is removed', async () => {
      await rm(targetFile, { force: true });
      await waitFor(
        async () => {
          const { activeTargets } = await prometheus<{ activeTargets: Target[] }>('/api/v1/targets', { state: 'active' });
          return activeTargets.some((t) => t.scrapePool === 'pulse' && t.labels['instance'] === instance) ? undefined : true;
        },
        `Prometheus to drop the target ${instance}`,
        SCRAPE_TIMEOUT_MS,
      );
    });
  });
});
