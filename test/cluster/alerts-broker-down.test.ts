import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Browser } from 'playwright-core';
import type { AlertBoardSnapshot, BoardAlert } from '../../src/alerts/alert-board.ts';
import { loadConfig } from '../../src/config/config.ts';
import { buildDashboard } from '../../src/dashboard/build.ts';
import { startEmbedded } from '../../src/runtime/embedded.ts';
import type { Running } from '../../src/runtime/lifecycle.ts';
import { launchChromium, newVisitor } from '../e2e/support/browser.ts';
import { clusterScript } from '../helpers/cluster.ts';
import { adminHeaders, repoRoot, testAdminToken, waitFor } from '../helpers/services.ts';

/**
 * The alerting path end to end, on the real thing: the test stack's Prometheus scrapes the
 * secured 3-broker cluster's JMX exporters and evaluates ops/prometheus/rules/kafka-alerts.yml,
 * its Alertmanager routes every alert to http://127.0.0.1:19496/api/alerts/webhook — where this
 * test runs an embedded Pulse. Broker 2 is killed: KafkaBrokerDown must fire within its `for`
 * plus two scrape intervals of the kill (the moment scripts/cluster sent SIGKILL, as it prints it),
 * KafkaUnderReplicatedPartitions within its `for` plus two
 * scrape intervals of the moment the surviving brokers report under-replicated partitions (when
 * Kafka fences the dead broker — Kafka's own time, reported, not the alerting's), both must
 * reach Pulse, and show on the dashboard's Alerts strip in Chromium (test-results/alerts-strip.png);
 * after broker 2 is started again both must resolve, on the board and on the strip
 * (test-results/alerts-strip-resolved.png). The broker is always started again.
 */

const prometheus = process.env['PULSE_TEST_PROMETHEUS_URL'];
const alertmanager = process.env['PULSE_TEST_ALERTMANAGER_URL'];
/** Where the test stack's Alertmanager delivers (ops/alertmanager/alertmanager.yml, PULSE_STACK_ALERT_WEBHOOK_URL). */
const WEBHOOK_PORT = '19496';
const BROKER = '2';
const BROKER_INSTANCE = `broker-${BROKER}`;
/** The surviving main brokers' JMX exporters: they report under-replication once the controller has fenced the dead one. */
const survivorExporters = (process.env['PULSE_CLUSTER_JMX_URLS'] ?? '')
  .split(',')
  .filter((url, index) => url !== '' && index !== Number(BROKER) - 1);
/** How long Kafka may take to fence a killed broker (broker.session.timeout.ms is 5 s; a loaded machine delays it): only a wait's bound. */
const FENCE_WAIT_MS = 60_000;
const screenshots = join(repoRoot, 'test-results');

const skip =
  prometheus === undefined || prometheus === ''
    ? 'PULSE_TEST_PROMETHEUS_URL is not set: start Prometheus and Alertmanager with `bash scripts/stack up` and eval "$(bash scripts/stack env)"'
    : survivorExporters.length !== 2
      ? 'PULSE_CLUSTER_JMX_URLS does not list the 3 main brokers: eval "$(bash scripts/cluster env)"'
      : false;

/** A Prometheus or Alertmanager duration: `30s`, `1m30s`, `500ms`, `2h`. */
function durationMs(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  assert.ok(parts.length > 0, `not a duration: ${text}`);
  return parts.reduce((sum, [, value, unit]) => sum + Number(value) * (units[unit ?? 's'] ?? 0), 0);
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000), headers: adminHeaders });
  assert.equal(response.ok, true, `${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** The intervals that bound how fast an alert can fire and arrive, as the running Prometheus and Alertmanager have them. */
async function alertingTimes() {
  const rules = await getJson<{ data: { groups: { rules: { name: string; type: string; duration?: number }[] }[] } }>(
    `${prometheus}/api/v1/rules?type=alert`,
  );
  const forMs = (name: string): number => {
    const rule = rules.data.groups.flatMap((g) => g.rules).find((r) => r.name === name);
    assert.ok(rule !== undefined, `Prometheus has no rule ${name} loaded (ops/prometheus/rules/kafka-alerts.yml)`);
    return (rule.duration ?? 0) * 1000;
  };
  const config = (await getJson<{ data: { yaml: string } }>(`${prometheus}/api/v1/status/config`)).data.yaml;
  const global = (name: string) => durationMs(new RegExp(`^\\s+${name}: (\\S+)`, 'm').exec(config)?.[1] ?? '1m');
  const amConfig = (await getJson<{ config: { original: string } }>(`${alertmanager}/api/v2/status`)).config.original;
  const route = (name: string) => durationMs(new RegExp(`^\\s+${name}: (\\S+)`, 'm').exec(amConfig)?.[1] ?? '0s');
  return {
    brokerDownFor: forMs('KafkaBrokerDown'),
    underReplicatedFor: forMs('KafkaUnderReplicatedPartitions'),
    scrape: global('scrape_interval'),
    evaluation: global('evaluation_interval'),
    groupWait: route('group_wait'),
    groupInterval: route('group_interval'),
  };
}

interface PrometheusAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
}

const prometheusAlerts = async () => (await getJson<{ data: { alerts: PrometheusAlert[] } }>(`${prometheus}/api/v1/alerts`)).data.alerts;

const isBrokerDown = (labels: Record<string, string>) =>
  labels['alertname'] === 'KafkaBrokerDown' && labels['instance'] === BROKER_INSTANCE;
const isUnderReplicated = (labels: Record<string, string>) =>
  labels['alertname'] === 'KafkaUnderReplicatedPartitions' && labels['job'] === 'kafka';

/** All three brokers scraped, neither alert pending or firing and no partition under-replicated: a clean start (a previous test may have just restarted a broker). */
async function clusterHealthy(): Promise<true | undefined> {
  const up = await getJson<{ data: { result: { metric: Record<string, string>; value: [number, string] }[] } }>(
    `${prometheus}/api/v1/query?query=${encodeURIComponent('up{job="kafka"}')}`,
  );
  const upCount = up.data.result.filter((r) => r.value[1] === '1').length;
  const active = (await prometheusAlerts()).filter((a) => isBrokerDown(a.labels) || isUnderReplicated(a.labels));
  // Fully replicated now, as the brokers say it: the onset of under-replication is measured from this state.
  const underReplicated = await Promise.all(survivorExporters.map((url) => underReplicatedAt(url)));
  return upCount === 3 && active.length === 0 && underReplicated.every((n) => n === 0) ? true : undefined;
}

const boardOf = (base: string) => getJson<AlertBoardSnapshot>(`${base}/api/alerts`);

async function diagnostics(base: string): Promise<string> {
  const parts = await Promise.all(
    [
      boardOf(base).then((b) => `pulse board: ${JSON.stringify({ firing: b.firing.map(brief), resolved: b.resolved.map(brief) })}`),
      prometheusAlerts().then(
        (a) => `prometheus alerts: ${JSON.stringify(a.map((x) => [x.labels['alertname'], x.labels['instance'], x.state]))}`,
      ),
      getJson<{ labels: Record<string, string>; status: { state: string } }[]>(`${alertmanager}/api/v2/alerts`).then(
        (a) => `alertmanager alerts: ${JSON.stringify(a.map((x) => [x.labels['alertname'], x.labels['instance'], x.status.state]))}`,
      ),
    ].map((p) => p.catch((error: unknown) => String(error))),
  );
  return parts.join('\n');
}

const brief = (a: BoardAlert) =>
  `${a.name}{${a.labels['instance'] ?? a.labels['cluster'] ?? ''}} ${a.status} from ${new Date(a.startsAt).toISOString()}`;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The sum of kafka_server_replicamanager_underreplicatedpartitions in one exporter's text. */
async function underReplicatedAt(url: string): Promise<number> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  assert.equal(response.ok, true, `${url}: HTTP ${response.status}`);
  const text = await response.text();
  return [...text.matchAll(/^kafka_server_replicamanager_underreplicatedpartitions(?:\{[^}]*\})? (\S+)$/gm)].reduce(
    (sum, [, value]) => sum + Number(value),
    0,
  );
}

/**
 * Watches the surviving brokers from the kill on. The condition began inside the window it
 * resolves with: after the start of the last poll in which every broker reported 0, before the
 * end of the first poll in which one reported an under-replicated partition. Bounds use the
 * window's far edge in their own direction, so a slow poll can only loosen them, never fail them.
 */
async function watchUnderReplicationOnset(signal: AbortSignal, from: number): Promise<{ after: number; before: number }> {
  let lastClear = from;
  let lastError: unknown;
  while (!signal.aborted && Date.now() < from + FENCE_WAIT_MS) {
    const polledAt = Date.now();
    try {
      const counts = await Promise.all(survivorExporters.map((url) => underReplicatedAt(url)));
      if (counts.some((n) => n > 0)) return { after: lastClear, before: Date.now() };
      lastClear = polledAt;
    } catch (error) {
      lastError = error; // an exporter slow to answer on a loaded machine: the window just widens
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `no surviving broker reported under-replicated partitions within ${seconds(FENCE_WAIT_MS)} of the kill` +
      (lastError === undefined ? '' : `: ${String(lastError)}`),
  );
}

/** The moment `scripts/cluster kill-broker` sent SIGKILL, as it prints it (taken just before the kill, in microseconds). */
function killMoment(output: string): number {
  const micros = /killed \(SIGKILL, pid \d+\) at (\d+) µs since the epoch/.exec(output)?.[1];
  assert.ok(micros !== undefined, `kill-broker did not say when it killed the broker: ${output}`);
  return Number(micros) / 1000;
}

/** When Prometheus first scraped the killed broker and failed (the sample's timestamp: its scrape's start), if it has. */
async function firstFailedScrapeMs(fromMs: number, atMs: number): Promise<number | undefined> {
  const range = Math.max(1, Math.ceil((atMs - fromMs) / 1000) + 5);
  const query = `up{job="kafka",instance="${BROKER_INSTANCE}"}[${range}s]`;
  const result = await getJson<{ data: { result: { values: [number, string][] }[] } }>(
    `${prometheus}/api/v1/query?query=${encodeURIComponent(query)}&time=${atMs / 1000}`,
  );
  const failed = (result.data.result[0]?.values ?? []).find(([at, value]) => value === '0' && at * 1000 >= fromMs - 5_000);
  return failed === undefined ? undefined : failed[0] * 1000;
}

/** The longest scrape of the brokers (or of one) in the window: a sample is only seen by the evaluation after its scrape ends. */
async function longestBrokerScrapeMs(fromMs: number, toMs: number, instance?: string): Promise<number> {
  const range = Math.max(1, Math.ceil((toMs - fromMs) / 1000));
  const selector = instance === undefined ? 'job="kafka"' : `job="kafka",instance="${instance}"`;
  const query = `max(max_over_time(scrape_duration_seconds{${selector}}[${range}s]))`;
  const result = await getJson<{ data: { result: { value: [number, string] }[] } }>(
    `${prometheus}/api/v1/query?query=${encodeURIComponent(query)}&time=${toMs / 1000}`,
  );
  return Number(result.data.result[0]?.value[1] ?? 0) * 1000;
}

test(
  'a broker killed on the secured cluster: Prometheus fires KafkaBrokerDown and KafkaUnderReplicatedPartitions, Alertmanager delivers them to Pulse, the Alerts strip shows them, and they resolve after the restart',
  { skip, timeout: 900_000 },
  async (t: TestContext) => {
    const times = await alertingTimes();
    t.diagnostic(`loaded: ${JSON.stringify(times)}`);
    const cycle = Math.max(times.scrape, times.evaluation);
    // From the kill: the next scrape, the evaluation that sees it, then `for` (the failed scrape's own duration is added once measured).
    const brokerDownBound = times.brokerDownFor + 2 * cycle;
    // From the onset: the next scrape, the evaluation that sees it, then `for` (the scrape's own duration is added once measured).
    const underReplicatedBound = times.underReplicatedFor + 2 * cycle;
    // Alertmanager: group_wait (a new group per alertname), a group_interval, Pulse's webhook.
    const deliveryBound = times.evaluation + times.groupWait + times.groupInterval + 5_000;
    const fireDeadline = Math.max(brokerDownBound, FENCE_WAIT_MS + underReplicatedBound) + deliveryBound + 30_000;

    await buildDashboard(); // fast when the build is current
    await waitFor(clusterHealthy, 'all three brokers up in Prometheus and no broker alert pending or firing', 180_000);

    const dataDir = await mkdtemp(join(tmpdir(), 'pulse-alerts-cluster-'));
    let pulse: Running | undefined;
    let browser: Browser | undefined;
    let killed = false;
    try {
      pulse = await startEmbedded(
        loadConfig({
          PULSE_PORT: WEBHOOK_PORT,
          PULSE_HOST: '127.0.0.1',
          PULSE_DATA_DIR: dataDir,
          PULSE_LOG_LEVEL: 'warn',
          PULSE_ADMIN_TOKEN: testAdminToken,
        }),
      );
      const base = pulse.url;

      const killing = Date.now();
      killed = true;
      const stopWatching = new AbortController();
      const onset = watchUnderReplicationOnset(stopWatching.signal, killing);
      onset.catch(() => undefined); // awaited below; a failure must not surface as an unhandled rejection first
      const killOutput = await clusterScript('kill-broker', BROKER);
      t.diagnostic(killOutput);
      // The kill itself, not the script's start: bash, the cluster lock and the pid file took up to a second before it on a loaded machine.
      const killedAt = killMoment(killOutput);
      t.diagnostic(`kill-broker sent SIGKILL ${seconds(killedAt - killing)} after it was started`);

      // --- firing: on Pulse's board, sent by Alertmanager
      const fresh = (a: BoardAlert) => a.startsAt >= killing - 1000;
      const firing = await waitFor(
        async () => {
          const board = await boardOf(base);
          const down = board.firing.find((a) => isBrokerDown(a.labels) && fresh(a));
          const urp = board.firing.find((a) => isUnderReplicated(a.labels) && fresh(a));
          return down !== undefined && urp !== undefined ? { down, urp } : undefined;
        },
        `KafkaBrokerDown{instance="${BROKER_INSTANCE}"} and KafkaUnderReplicatedPartitions firing on Pulse's board`,
        fireDeadline,
      ).catch(async (error: unknown) => {
        stopWatching.abort();
        throw new Error(`${String(error)}\n${await diagnostics(base)}`);
      });
      const { down, urp } = firing;
      stopWatching.abort();
      const began = await onset;
      const scrapeMs = await longestBrokerScrapeMs(killedAt, urp.startsAt);
      const downScrapeMs = await longestBrokerScrapeMs(killedAt, down.startsAt, BROKER_INSTANCE);
      const failedScrape = await firstFailedScrapeMs(killedAt, down.startsAt);
      t.diagnostic(
        `KafkaBrokerDown fired ${seconds(down.startsAt - killedAt)} after the kill (bound: for ${seconds(times.brokerDownFor)} + 2 × ${seconds(cycle)} + the broker's longest scrape, ${seconds(downScrapeMs)}); ` +
          (failedScrape === undefined
            ? 'Prometheus holds no failed scrape of it (the query came too late?); '
            : `Prometheus' first failed scrape of it began ${failedScrape >= killedAt ? `${seconds(failedScrape - killedAt)} after the kill` : `${seconds(killedAt - failedScrape)} before the kill (under way at it)`}, the alert fired ${seconds(down.startsAt - failedScrape)} after that; `) +
          `reached Pulse ${seconds(down.firstReceivedAt - down.startsAt)} later`,
      );
      t.diagnostic(
        `the surviving brokers began reporting under-replication ${seconds(began.after - killedAt)}–${seconds(began.before - killedAt)} after the kill (Kafka fencing the dead broker); ` +
          `KafkaUnderReplicatedPartitions fired ${seconds(urp.startsAt - began.before)}–${seconds(urp.startsAt - began.after)} after that (bound: for ${seconds(times.underReplicatedFor)} + 2 × ${seconds(cycle)} + the longest broker scrape, ${seconds(scrapeMs)}), ` +
          `reached Pulse ${seconds(urp.firstReceivedAt - urp.startsAt)} later; summary: ${urp.summary ?? ''}`,
      );
      assert.ok(
        down.startsAt - killedAt <= brokerDownBound + downScrapeMs + 1000,
        `KafkaBrokerDown fired ${seconds(down.startsAt - killedAt)} after the kill`,
      );
      // A scrape under way at the kill fails too, stamped with its start: up to the scrape's duration before the kill.
      assert.ok(down.startsAt - killedAt >= times.brokerDownFor - downScrapeMs - 1000, 'not before its `for` has passed');
      // A sample is stamped with its scrape's start, which may precede the onset by up to the scrape's duration.
      assert.ok(
        urp.startsAt - began.after >= times.underReplicatedFor - scrapeMs - 1000,
        'under-replication not before its `for` has passed',
      );
      assert.ok(
        urp.startsAt - began.before <= underReplicatedBound + scrapeMs + 1000,
        `under-replication fired ${seconds(urp.startsAt - began.before)} after the brokers reported it`,
      );
      for (const alert of [down, urp]) {
        assert.ok(
          alert.firstReceivedAt - alert.startsAt <= deliveryBound,
          `${alert.name} took ${seconds(alert.firstReceivedAt - alert.startsAt)} to arrive`,
        );
      }
      assert.equal(down.severity, 'critical');
      assert.equal(down.instance, BROKER_INSTANCE);
      assert.equal(down.summary, `Kafka broker ${BROKER_INSTANCE} is down`);
      assert.equal(urp.severity, 'warning');
      assert.match(urp.summary ?? '', /under-replicated partition/);

      // --- the dashboard shows them
      browser = await launchChromium();
      const { context, page, pageErrors } = await newVisitor(browser);
      await context.setExtraHTTPHeaders(adminHeaders);
      await page.goto(`${base}/dashboard/`);
      const strip = page.locator('#alerts-strip');
      const downItem = strip.locator(`.alert-item[data-alertname="KafkaBrokerDown"]`).filter({ hasText: BROKER_INSTANCE });
      const urpItem = strip.locator(`.alert-item[data-alertname="KafkaUnderReplicatedPartitions"]`);
      await downItem.waitFor({ state: 'visible', timeout: 10_000 });
      await urpItem.waitFor({ state: 'visible', timeout: 10_000 });
      assert.equal(await downItem.getAttribute('data-status'), 'firing');
      assert.equal(await downItem.getAttribute('data-tone'), 'critical');
      assert.equal(await urpItem.getAttribute('data-status'), 'firing');
      assert.equal(await urpItem.getAttribute('data-tone'), 'warning');
      assert.equal(await strip.getAttribute('data-state'), 'firing');
      assert.equal(await strip.getAttribute('data-tone'), 'critical');
      assert.match((await downItem.textContent()) ?? '', new RegExp(`Kafka broker ${BROKER_INSTANCE} is down.*for \\d`));
      await mkdir(screenshots, { recursive: true });
      await page.screenshot({ path: join(screenshots, 'alerts-strip.png') });
      t.diagnostic(`screenshot: ${join(screenshots, 'alerts-strip.png')}`);

      // --- the broker back: both resolve, on the board and live on the open page
      const restartedAt = Date.now();
      t.diagnostic((await clusterScript('start-broker', BROKER)).trim().split('\n').slice(-2).join(' | '));
      killed = false;
      t.diagnostic(`broker ${BROKER} serving again ${seconds(Date.now() - restartedAt)} after start-broker`);
      const resolved = await waitFor(
        async () => {
          const board = await boardOf(base);
          const back = board.resolved.find((a) => a.fingerprint === down.fingerprint);
          const replicated = board.resolved.find((a) => a.fingerprint === urp.fingerprint);
          return back !== undefined && replicated !== undefined ? { back, replicated } : undefined;
        },
        'both alerts resolved on the board',
        times.underReplicatedFor + 180_000,
      ).catch(async (error: unknown) => {
        throw new Error(`${String(error)}\n${await diagnostics(base)}`);
      });
      for (const alert of [resolved.back, resolved.replicated]) {
        assert.ok(alert.endsAt !== null && alert.endsAt >= restartedAt - 1000, `${alert.name} ended after the restart`);
        t.diagnostic(`${alert.name} resolved ${seconds((alert.endsAt ?? 0) - restartedAt)} after start-broker began`);
      }
      await strip.locator('.alert-item[data-alertname="KafkaBrokerDown"][data-status="resolved"]').first().waitFor({ timeout: 10_000 });
      await strip
        .locator('.alert-item[data-alertname="KafkaUnderReplicatedPartitions"][data-status="resolved"]')
        .first()
        .waitFor({ timeout: 10_000 });
      assert.match((await downItem.textContent()) ?? '', /resolved \d/);
      await page.screenshot({ path: join(screenshots, 'alerts-strip-resolved.png') });
      t.diagnostic(`screenshot: ${join(screenshots, 'alerts-strip-resolved.png')}`);
      assert.deepEqual(pageErrors, []);
    } finally {
      if (killed) await clusterScript('start-broker', BROKER);
      await browser?.close();
      await pulse?.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);
