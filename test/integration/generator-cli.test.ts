import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Bus } from '../../src/bus/bus.ts';
import { createKafkaBus } from '../../src/bus/kafka/kafka-bus.ts';
import type { GeneratorStatus } from '../../src/generator/generator.ts';
import { planEvents } from '../../src/generator/plan.ts';
import { readTopicSince } from '../helpers/read-topic.ts';
import { freePort, kafkaBrokers, spawnPulse, waitFor, waitForHealth, type PulseProcess } from '../helpers/services.ts';
import { deleteKafkaTopics } from '../helpers/kafka-topics.ts';

const env = { PULSE_KAFKA_BROKERS: kafkaBrokers, PULSE_LOG_LEVEL: 'warn' };

async function pulse(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; output: string; stdout: string }> {
  const child = spawnPulse(args, env);
  let stdout = '';
  child.child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const timer = setTimeout(() => void child.stop(), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.child.once('exit', resolve));
  clearTimeout(timer);
  return { code, output: child.output(), stdout };
}

describe('pulse generate as a user runs it', () => {
  let bus: Bus;
  const created: string[] = [];
  before(() => {
    bus = createKafkaBus({ brokers: kafkaBrokers.split(','), clientId: `test-gen-cli-${randomUUID().slice(0, 8)}` });
  });
  after(async () => {
    await bus.close();
    await deleteKafkaTopics(created);
  });

  test('a bounded run: progress on stderr, the figures as JSON on stdout, the records in Kafka', async () => {
    const topic = `test-gen-cli-${randomUUID()}`;
    created.push(topic);
    const run = `cli-${randomUUID().slice(0, 8)}`;
    const { code, output, stdout } = await pulse([
      'generate',
      ...[
        '--count',
        '150',
        '--eps',
        '300',
        '--seed',
        '8',
        '--id-prefix',
        run,
        '--topic',
        topic,
        '--strategy',
        'batch',
        '--batch-size',
        '20',
      ],
    ]);
    assert.equal(code, 0, output);
    const final = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as GeneratorStatus;
    assert.deepEqual([final.state, final.sent, final.acked, final.failed, final.seed], ['stopped', 150, 150, 0, 8]);
    assert.match(output, /pulse generate: seed 8 → kafka/);
    assert.match(output, /sent 150\/150 \(100%\) {2}acked 150 {2}failed 0/);
    const records = await readTopicSince(bus, topic, new Map(), 150, { settleMs: 300 });
    assert.deepEqual(
      records.map((r) => r.headers['event-id']).sort(),
      planEvents(8, 150, { idPrefix: run })
        .map((e) => e.event.event_id)
        .sort(),
    );
  });

  test('wrong flags are refused with a message', async () => {
    const mode = await pulse(['generate', '--mode', 'day']);
    assert.notEqual(mode.code, 0);
    assert.match(mode.output, /--mode.*day.*(regular|choices)/s);
    const eps = await pulse(['generate', '--eps', '-3']);
    assert.notEqual(eps.code, 0);
    assert.match(eps.output, /expected a number above 0/);
    const serve = await pulse(['generate', '--serve', '--count', '5', '--target', 'http://127.0.0.1:1']);
    assert.equal(serve.code, 1);
    assert.match(serve.output, /--serve runs until stopped/);
  });

  describe('--serve: the control API changes the running generator', () => {
    let server: PulseProcess;
    let base: string;
    before(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      const topic = `test-gen-serve-${randomUUID()}`;
      created.push(topic);
      server = spawnPulse(['generate', '--serve', '--port', String(port), '--eps', '5', '--topic', topic], env);
      await waitForHealth(base, server);
    });
    after(() => server.stop());

    const status = async () => (await (await fetch(`${base}/status`)).json()) as GeneratorStatus;

    test('speed, mode and burst apply while it runs; /status and /metrics show it; SIGTERM stops it cleanly', async () => {
      assert.deepEqual([(await status()).eps, (await status()).state], [5, 'running']);
      const speed = await fetch(`${base}/config/speed?eps=200`, { method: 'POST' });
      assert.equal(speed.status, 200);
      const before = (await status()).sent;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const sent = (await status()).sent - before;
      assert.ok(sent >= 120 && sent <= 300, `about 200 records in 1 s, got ${sent}`);

      assert.equal((await fetch(`${base}/config/mode?mode=night`, { method: 'POST' })).status, 200);
      assert.deepEqual([(await status()).mode, (await status()).eps], ['night', null]);

      const acked = (await status()).acked;
      assert.equal((await fetch(`${base}/generate/burst?count=500`, { method: 'POST' })).status, 202);
      await waitFor(async () => ((await status()).acked - acked >= 500 ? true : undefined), 'the burst acknowledged by Kafka', 15_000);

      const bad = await fetch(`${base}/config/speed?eps=zero`, { method: 'POST' });
      assert.equal(bad.status, 400);
      assert.match(((await bad.json()) as { message: string }).message, /eps must be/);

      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(metrics, /^pulse_generator_events_acked_total \d+/m);
      const final = await status();
      assert.equal(final.failed, 0);
      assert.equal(final.partitioning.key + final.partitioning['round-robin'] + final.partitioning.random, final.sent);

      await server.stop();
      assert.equal(server.child.exitCode, 0, server.output());
    });
  });
});
