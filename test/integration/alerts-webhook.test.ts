import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { AlertBoardSnapshot } from '../../src/alerts/alert-board.ts';
import { ingestTopicSpecs } from '../../src/bus/topics.ts';
import { loadConfig } from '../../src/config/config.ts';
import { buildDashboard } from '../../src/dashboard/build.ts';
import { kafkaBusFrom } from '../../src/runtime/adapters.ts';
import { startDashboard } from '../../src/runtime/distributed.ts';
import { startEmbedded } from '../../src/runtime/embedded.ts';
import type { Running } from '../../src/runtime/lifecycle.ts';
import { launchChromium, newVisitor } from '../e2e/support/browser.ts';
import { deleteKafkaTopics } from '../helpers/kafka-topics.ts';
import { adminHeaders, kafkaBrokers, redisUrl, testAdminToken, waitFor } from '../helpers/services.ts';

/**
 * Pulse as Alertmanager's webhook receiver, assembled as `pulse start` and `pulse dashboard`
 * assemble it: notifications shaped exactly as Alertmanager 0.2x sends them (version 4, with
 * the zero `endsAt` of a firing alert and nanosecond times) fill the board, the stream pushes
 * it, the admin token guards the webhook, and the dashboard's Alerts strip shows firing and
 * resolved alerts on every view (Chromium).
 */

const TOKEN = 'alerts-integration-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

const brokerDown = {
  status: 'firing',
  labels: {
    alertname: 'KafkaBrokerDown',
    instance: '127.0.0.1:19405',
    job: 'kafka',
    severity: 'critical',
  },
  annotations: {
    summary: 'Kafka broker 127.0.0.1:19405 is down',
    description: 'Prometheus has not scraped the JMX exporter of 127.0.0.1:19405 for 30s.',
    runbook_url: 'https://github.com/example/pulse#kafkabrokerdown',
  },
  startsAt: '2025-03-01T12:00:07.52193112Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://127.0.0.1:19490/graph?g0.expr=up%7Bjob%3D%22kafka%22%7D+%3D%3D+0&g0.tab=1',
  fingerprint: '5e2b1a8d03c4f7e9',
};
const underReplicated = {
  ...brokerDown,
  labels: { alertname: 'KafkaUnderReplicatedPartitions', instance: '127.0.0.1:19404', job: 'kafka', severity: 'warning' },
  annotations: { summary: '12 under-replicated partitions on 127.0.0.1:19404' },
  fingerprint: '9a0c7d61e2b3f458',
};

/** One Alertmanager notification of the group `{alertname}`, as `webhook_configs` posts it. */
const notification = (alerts: Record<string, unknown>[]) => ({
  receiver: 'pulse',
  status: alerts.some((a) => a['status'] === 'firing') ? 'firing' : 'resolved',
  alerts,
  groupLabels: { alertname: String((alerts[0]?.['labels'] as Record<string, string> | undefined)?.['alertname']) },
  commonLabels: (alerts[0]?.['labels'] as Record<string, string> | undefined) ?? {},
  commonAnnotations: {},
  externalURL: 'http://127.0.0.1:19493',
  version: '4',
  groupKey: '{}/{}:{alertname="KafkaBrokerDown"}',
  truncatedAlerts: 0,
});
const resolved = (alert: Record<string, unknown>) => ({ ...alert, status: 'resolved', endsAt: '2025-03-01T12:04:37.52193112Z' });

async function send(base: string, body: unknown, headers: Record<string, string> = auth): Promise<Response> {
  return fetch(`${base}/api/alerts/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'Alertmanager/0.28.1', ...headers },
    body: JSON.stringify(body),
  });
}

const board = async (base: string) => (await (await fetch(`${base}/api/alerts`, { headers: adminHeaders })).json()) as AlertBoardSnapshot;

describe('embedded Pulse (`pulse start`) as the Alertmanager webhook receiver', () => {
  let running: Running;
  let dataDir: string;
  let base: string;
  let browser: Browser | undefined;

  before(async () => {
    await buildDashboard(); // fast when the build is current
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-alerts-'));
    running = await startEmbedded(
      loadConfig({
        PULSE_PORT: '0',
        PULSE_HOST: '127.0.0.1',
        PULSE_DATA_DIR: dataDir,
        PULSE_LOG_LEVEL: 'warn',
        PULSE_ALERT_WEBHOOK_TOKEN: TOKEN,
        PULSE_ADMIN_TOKEN: testAdminToken,
      }),
    );
    base = running.url;
  });

  after(async () => {
    await browser?.close();
    await running.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('the webhook needs its own token; the board needs a signed-in user', async () => {
    const refused = await send(base, notification([brokerDown]), {});
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { error: string }).error, 'unauthorized');
    assert.equal((await send(base, notification([brokerDown]), adminHeaders)).status, 401, 'the admin token is not the webhook’s');
    assert.equal((await fetch(`${base}/api/alerts`)).status, 401);
    assert.deepEqual((await board(base)).firing, []);
    const openapi = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    assert.ok(openapi.paths['/api/alerts/webhook'] !== undefined, 'the webhook is in the OpenAPI document');
    assert.ok(openapi.paths['/api/alerts'] !== undefined);
  });

  test('a bad notification is a 400 from the one error handler', async () => {
    const response = await send(base, { ...notification([brokerDown]), alerts: [{ ...brokerDown, startsAt: 'soon' }] });
    assert.equal(response.status, 400);
    const answer = (await response.json()) as { error: string; message: string };
    assert.equal(answer.error, 'invalid_notification');
    assert.match(answer.message, /alerts\/0\/startsAt/);
  });

  test('the strip shows firing alerts live on every view, then greys them when they resolve (Chromium)', async (t) => {
    browser = await launchChromium();
    const { context, page, pageErrors } = await newVisitor(browser);
    await context.setExtraHTTPHeaders(adminHeaders); // the dashboard as the operator; signing in is tested in dashboard-accounts
    try {
      await page.goto(`${base}/dashboard/`);
      await page.locator('#live-view').waitFor({ state: 'visible' });
      // Nothing has fired yet: the strip stays out of the way.
      await page.waitForTimeout(500);
      assert.equal(await page.locator('#alerts-strip').isHidden(), true);

      const sentAt = Date.now();
      assert.equal((await send(base, notification([brokerDown]))).status, 200);
      assert.equal((await send(base, notification([underReplicated]))).status, 200);
      const strip = page.locator('#alerts-strip');
      await page.locator('#alerts-strip .alert-item[data-alertname="KafkaUnderReplicatedPartitions"]').waitFor({ timeout: 5000 });
      t.diagnostic(`strip updated ${Date.now() - sentAt} ms after the notifications (SSE)`);
      assert.equal(await strip.getAttribute('data-state'), 'firing');
      assert.equal(await strip.getAttribute('data-tone'), 'critical', 'the colour of the most severe firing alert');
      assert.equal(await strip.locator('[data-alerts-count]').textContent(), '2 firing');
      const down = strip.locator('.alert-item[data-alertname="KafkaBrokerDown"]');
      assert.equal(await down.getAttribute('data-status'), 'firing');
      assert.equal(await down.getAttribute('data-tone'), 'critical');
      assert.equal(await down.locator('.alert-summary').textContent(), 'Kafka broker 127.0.0.1:19405 is down');
      assert.equal(await down.locator('.alert-instance').textContent(), '127.0.0.1:19405');
      assert.match((await down.locator('.alert-when').textContent()) ?? '', /^for \d/);
      assert.equal(await down.locator('a.alert-name').getAttribute('href'), 'https://github.com/example/pulse#kafkabrokerdown');
      const names = await strip.locator('.alert-item').evaluateAll((items) => items.map((item) => item.getAttribute('data-alertname')));
      assert.deepEqual(names, ['KafkaBrokerDown', 'KafkaUnderReplicatedPartitions'], 'most severe first');

      for (const view of ['history', 'shop']) {
        await page.goto(`${base}/dashboard/#${view}`);
        await page.locator(`#${view}-view`).waitFor({ state: 'visible' });
        await strip.locator('.alert-item[data-alertname="KafkaBrokerDown"]').waitFor({ timeout: 5000 });
      }

      assert.equal((await send(base, notification([resolved(brokerDown)]))).status, 200);
      await page.locator('#alerts-strip .alert-item[data-alertname="KafkaBrokerDown"][data-status="resolved"]').waitFor({ timeout: 5000 });
      assert.equal(await strip.locator('[data-alerts-count]').textContent(), '1 firing · 1 resolved');
      assert.equal(await strip.getAttribute('data-tone'), 'warning');
      assert.match((await down.locator('.alert-when').textContent()) ?? '', /^resolved \d/);
      assert.equal(await down.locator('.alert-severity').textContent(), 'resolved');

      assert.equal((await send(base, notification([resolved(underReplicated)]))).status, 200);
      await page.locator('#alerts-strip[data-state="resolved"]').waitFor({ timeout: 5000 });
      assert.equal(await strip.isVisible(), true, 'recently resolved alerts stay on the strip');
      assert.equal(await strip.locator('[data-alerts-count]').textContent(), '2 resolved');
      assert.deepEqual(pageErrors, []);
    } finally {
      await context.close();
    }
  });

  test('a server without the alert routes (404) leaves the strip hidden and the page without errors (Chromium)', async () => {
    browser ??= await launchChromium();
    const { context, page, pageErrors } = await newVisitor(browser);
    await context.setExtraHTTPHeaders(adminHeaders);
    try {
      let asked = 0;
      await context.route(
        (url) => url.pathname.startsWith('/api/alerts'),
        (route) => {
          asked += 1;
          return route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"not_found","message":"no route"}' });
        },
      );
      await page.goto(`${base}/dashboard/`);
      await page.locator('#live-view').waitFor({ state: 'visible' });
      await page.waitForTimeout(1000);
      assert.equal(await page.locator('#alerts-strip').isHidden(), true);
      assert.equal(asked, 1, 'one read, then no stream and no polling');
      assert.deepEqual(pageErrors, []);
    } finally {
      await context.close();
    }
  });

  test('the board keeps resolved alerts and counts the notifications', async () => {
    const current = await board(base);
    assert.deepEqual(current.firing, []);
    assert.deepEqual(current.resolved.map((a) => a.name).sort(), ['KafkaBrokerDown', 'KafkaUnderReplicatedPartitions']);
    assert.equal(current.resolved.find((a) => a.name === 'KafkaBrokerDown')?.endsAt, Date.parse('2025-03-01T12:04:37.521Z'));
    assert.equal(current.notifications, 4);
    assert.equal(current.source, 'http://127.0.0.1:19493');
  });
});

test('`pulse dashboard` serves the same receiver', async () => {
  const prefix = `alerts-${Date.now().toString(36)}.`;
  const config = loadConfig({
    PULSE_PORT: '0',
    PULSE_HOST: '127.0.0.1',
    PULSE_LOG_LEVEL: 'warn',
    PULSE_KAFKA_BROKERS: kafkaBrokers,
    PULSE_REDIS_URL: redisUrl,
    PULSE_TOPIC_PREFIX: prefix,
    PULSE_ADMIN_TOKEN: testAdminToken,
    PULSE_DATA_DIR: await mkdtemp(join(tmpdir(), 'pulse-alerts-dashboard-')),
  });
  const bus = kafkaBusFrom(config);
  await bus.ensureTopics(ingestTopicSpecs(config));
  await bus.close();
  const running = await startDashboard(config);
  try {
    const stream = await fetch(`${running.url}/api/alerts/stream`, { headers: adminHeaders });
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /text\/event-stream/);
    await stream.body?.cancel();
    assert.equal((await send(running.url, notification([brokerDown]), {})).status, 200);
    const shown = await waitFor(async () => {
      const current = await board(running.url);
      return current.firing.length > 0 ? current : undefined;
    }, 'the alert on the board');
    assert.deepEqual(
      shown.firing.map((a) => a.name),
      ['KafkaBrokerDown'],
    );
  } finally {
    await running.close();
    await deleteKafkaTopics(ingestTopicSpecs(config).map((s) => s.name));
  }
});
