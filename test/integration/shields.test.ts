import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { startEmbedded } from '../../src/runtime/embedded.ts';
import type { Running } from '../../src/runtime/lifecycle.ts';
import { CHROME_UA, pageView } from '../helpers/events.ts';
import { adminHeaders, testAdminToken } from '../helpers/services.ts';

/**
 * Shields on embedded Pulse, set over the sites API: a CIDR range holding the test's own address
 * (127.0.0.1) and a path pattern. Shielded events answer 202 (the page need not retry), are never
 * written to the log, and count in pulse_ingest_events_rejected_total by reason.
 */
let running: Running;
let dataDir: string;

const api = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${running.url}${path}`, {
    method,
    headers: { ...adminHeaders, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
};

/** Records in the user-activity topic, from the log's own offsets. */
const stored = async () => {
  const { topics } = (await api('GET', '/api/topics')) as {
    topics: { name: string; partitions: { startOffset: number; endOffset: number }[] }[];
  };
  const topic = topics.find((t) => t.name === 'user-activity');
  return (topic?.partitions ?? []).reduce((sum, p) => sum + p.endOffset - p.startOffset, 0);
};

const shieldedCount = async (reason: string) => {
  const text = await (await fetch(`${running.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`pulse_ingest_events_rejected_total{reason="${reason}"}`));
  return Number(line?.split(' ').at(-1) ?? 0);
};

const send = (events: unknown[]) =>
  fetch(`${running.url}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA },
    body: JSON.stringify(events),
  });

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'pulse-shields-'));
  running = await startEmbedded(
    loadConfig({
      PULSE_PORT: '0',
      PULSE_DATA_DIR: dataDir,
      PULSE_LOG_LEVEL: 'silent',
      PULSE_SITES: 'office,shop',
      PULSE_ADMIN_TOKEN: testAdminToken,
    }),
  );
});

after(async () => {
  await running.close();
  await rm(dataDir, { recursive: true, force: true });
});

test('a CIDR range and a * path drop their visits at ingest, counted per reason, never stored', async () => {
  const office = (await api('PATCH', '/api/sites/office', { excludedIps: ['127.0.0.0/8'] })) as { excludedIps: string[] };
  assert.deepEqual(office.excludedIps, ['127.0.0.0/8']);
  await api('PATCH', '/api/sites/shop', { excludedPaths: ['/admin/*'] });
  const before = { stored: await stored(), ip: await shieldedCount('shield_ip'), path: await shieldedCount('shield_path') };

  const onlyShielded = await send([
    pageView({ site: 'office' }),
    pageView({ site: 'office' }),
    pageView({ site: 'shop', url: 'https://shop.example/admin/orders' }),
  ]);
  assert.equal(onlyShielded.status, 202);
  assert.deepEqual(await onlyShielded.json(), { accepted: 0, rejected: 0, errors: [] });
  const mixed = await send([
    pageView({ site: 'shop', url: 'https://shop.example/admin/x/y' }),
    pageView({ site: 'shop', url: 'https://shop.example/cart' }),
  ]);
  assert.deepEqual(await mixed.json(), { accepted: 1, rejected: 0, errors: [] });

  assert.equal(await stored(), before.stored + 1, 'only the visit to /cart was written');
  assert.equal(await shieldedCount('shield_ip'), before.ip + 2);
  assert.equal(await shieldedCount('shield_path'), before.path + 2);

  // Lifting the shield lets the same visits in again.
  await api('PATCH', '/api/sites/office', { excludedIps: [] });
  assert.deepEqual(await (await send([pageView({ site: 'office' })])).json(), { accepted: 1, rejected: 0, errors: [] });
  assert.equal(await stored(), before.stored + 2);
});

test('bad shield rules are refused with a reason', async () => {
  const response = await fetch(`${running.url}/api/sites/office`, {
    method: 'PATCH',
    headers: { ...adminHeaders, 'content-type': 'application/json' },
    body: JSON.stringify({ excludedIps: ['10.0.0.0/40'] }),
  });
  assert.equal(response.status, 400);
  const answer = (await response.json()) as { error: string; message: string };
  assert.equal(answer.error, 'invalid_shield');
  assert.match(answer.message, /prefix length/);
});
