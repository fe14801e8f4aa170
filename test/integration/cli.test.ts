import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, kafkaBrokers, spawnPulse, waitFor, waitForHealth, type PulseProcess } from '../helpers/services.ts';

/** Runs a short-lived `pulse` command to completion and returns its output. */
async function pulse(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  const child = spawnPulse(args, env);
  const timer = setTimeout(() => void child.stop(), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.child.once('exit', resolve));
  clearTimeout(timer);
  return { code, output: child.output() };
}

const records = (output: string) =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { topic: string; key: string; value: Record<string, unknown> });

test('pulse --help lists the commands', async () => {
  const { code, output } = await pulse(['--help'], {});
  assert.equal(code, 0);
  for (const command of ['start', 'ingest', 'topics', 'listen', 'send']) assert.match(output, new RegExp(`\\n  ${command}\\b`));
});

test('a wrong setting stops the process with the variable named', async () => {
  const { code, output } = await pulse(['start'], { PULSE_PORT: 'http' });
  assert.equal(code, 1);
  assert.match(output, /PULSE_PORT="http": must be integer/);
});

describe('pulse start (embedded) as a user runs it', () => {
  let server: PulseProcess;
  let dataDir: string;
  let env: Record<string, string>;
  let base: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-start-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = { PULSE_PORT: String(port), PULSE_DATA_DIR: dataDir, PULSE_LOG_LEVEL: 'warn' };
    server = spawnPulse(['start'], env);
    await waitForHealth(base, server);
  });
  after(async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('serves /health, accepts events, counts them in /metrics; pulse listen and pulse topics see them', async () => {
    const health = await fetch(`${base}/health`);
    assert.equal(health.status, 200);

    const sent = await pulse(['send', '--count', '2', '--type', 'page_view'], env);
    assert.equal(sent.code, 0, sent.output);
    assert.match(sent.output, /202 \{"accepted":2,"rejected":0,"errors":\[\]\}/);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /pulse_ingest_events_accepted_total\{topic="user-activity"\} 2\n/);

    const listened = await pulse(['listen', 'user-activity', '--from', 'earliest', '--count', '2'], env);
    assert.equal(listened.code, 0, listened.output);
    const seen = records(listened.output);
    assert.equal(seen.length, 2);
    assert.ok(seen.every((r) => r.topic === 'user-activity' && r.value['type'] === 'page_view' && r.key === r.value['user_id']));

    const topics = await pulse(['topics'], env);
    assert.match(topics.output, /user-activity\s+partitions=3 records=2/);
    assert.match(topics.output, /mouse-coordinates\.dlq\s+partitions=3 records=0/);
  });

  test('the event log is on disk in PULSE_DATA_DIR and survives a restart', async () => {
    await server.stop();
    server = spawnPulse(['start'], env);
    await waitForHealth(base, server);
    const topics = await pulse(['topics'], env);
    assert.match(topics.output, /user-activity\s+partitions=3 records=2/);
  });
});

describe('pulse ingest (distributed) against Kafka', () => {
  let ingest: PulseProcess;
  let env: Record<string, string>;

  before(async () => {
    const port = await freePort();
    env = { PULSE_PORT: String(port), PULSE_KAFKA_BROKERS: kafkaBrokers, PULSE_LOG_LEVEL: 'warn' };
    ingest = spawnPulse(['ingest'], env);
    await waitForHealth(`http://127.0.0.1:${port}`, ingest);
  });
  after(() => ingest.stop());

  test('/ready is 200; pulse listen shows events posted by pulse send', async () => {
    const ready = await fetch(`http://127.0.0.1:${env['PULSE_PORT']}/ready`);
    assert.equal(ready.status, 200);

    const listener = spawnPulse(['listen', 'user-activity', '--count', '3'], env);
    try {
      await waitFor(async () => (listener.output().includes('listening to user-activity') ? true : undefined), 'listener subscribed');
      // The group join completes just after the message; give the fetch position a moment to settle.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const sent = await pulse(['send', '--count', '3', '--type', 'click'], env);
      assert.equal(sent.code, 0, sent.output);
      await waitFor(async () => (listener.child.exitCode === 0 ? true : undefined), 'listener got 3 records', 60_000);
      const seen = records(listener.output());
      assert.equal(seen.length, 3);
      assert.ok(seen.every((r) => r.value['type'] === 'click' && r.value['selector'] === 'button#buy'));
      assert.equal(new Set(seen.map((r) => r.key)).size, 1);
    } finally {
      await listener.stop();
    }
  });
});
