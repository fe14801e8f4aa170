import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Bus } from '../../src/bus/bus.ts';
import { createKafkaBus } from '../../src/bus/kafka/kafka-bus.ts';
import { CHROME_UA, pageView } from '../helpers/events.ts';
import { startService, testTopics, type PulseService } from '../helpers/pipeline.ts';
import { endOffsets, readTopicSince } from '../helpers/read-topic.ts';
import { freePort, kafkaBrokers, spawnPulse, waitFor } from '../helpers/services.ts';

/** The pids of a process's children (Linux). */
const childrenOf = async (pid: number): Promise<number[]> =>
  (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => ''))
    .split(/\s+/)
    .filter((s) => s !== '')
    .map(Number);

/** One request on a connection of its own, so node:cluster's primary hands it to the next process. */
function onNewConnection(base: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${base}${path}`,
      {
        method,
        agent: false,
        timeout: 10_000,
        headers: payload === undefined ? {} : { 'content-type': 'application/json', 'user-agent': CHROME_UA },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

const acceptedIn = (metrics: string, topic: string): number => {
  const line = metrics.split('\n').find((l) => l.startsWith(`pulse_ingest_events_accepted_total{topic="${topic}"}`));
  return line === undefined ? NaN : Number(line.split(' ').pop());
};

describe('pulse ingest with PULSE_INGEST_PROCESSES=2 (node:cluster)', { timeout: 180_000 }, () => {
  const tag = `ip${randomUUID().slice(0, 8)}`;
  const topics = testTopics(tag);
  const site = `s${tag}`;
  let bus: Bus;
  let ingest: PulseService;
  const sent: string[] = [];

  before(async () => {
    bus = createKafkaBus({ brokers: kafkaBrokers.split(','), clientId: `test-${tag}` });
    ingest = await startService(['ingest'], { ...topics.env, PULSE_SITES: site, PULSE_INGEST_PROCESSES: '2' });
  });
  after(async () => {
    await ingest.process.stop();
    await bus.close();
    await topics.remove();
  });

  const postBatches = async (batches: number, size: number): Promise<void> => {
    for (let b = 0; b < batches; b += 1) {
      const events = Array.from({ length: size }, () =>
        pageView({ site, user_id: `u-${randomUUID().slice(0, 8)}`, event_id: `e-${randomUUID()}` }),
      );
      const answer = await onNewConnection(ingest.base, 'POST', '/api/events', events);
      assert.equal(answer.status, 202, answer.text);
      sent.push(...events.map((e) => e.event_id as string));
    }
  };

  test('two processes serve the port; every accepted event is in the topic once; /metrics counts the whole group', async () => {
    const pid = ingest.process.child.pid as number;
    const members = await waitFor(async () => {
      const children = await childrenOf(pid);
      return children.length === 2 ? children : undefined;
    }, 'two ingest processes');
    assert.equal(members.length, 2);

    const since = await endOffsets(bus, topics.names.userActivity);
    await postBatches(40, 5);
    const records = await readTopicSince(bus, topics.names.userActivity, since, sent.length);
    const ids = records.map((r) => (JSON.parse(r.value.toString()) as { event_id: string }).event_id);
    assert.deepEqual(ids.sort(), [...sent].sort(), 'every accepted event once');

    // Whichever process answers, /metrics is the sum over both (each took about half of the connections).
    for (let i = 0; i < 4; i += 1) {
      const metrics = await onNewConnection(ingest.base, 'GET', '/metrics');
      assert.equal(metrics.status, 200);
      assert.equal(acceptedIn(metrics.text, topics.names.userActivity), 200);
      assert.match(metrics.text, /^pulse_ingest_requests_total\{route="\/api\/events",status="202"\} 40$/m);
    }
  });

  test('a process that dies is replaced; the port keeps answering and nothing accepted is lost', async () => {
    const pid = ingest.process.child.pid as number;
    const [victim] = await childrenOf(pid);
    assert.ok(victim !== undefined);
    process.kill(victim, 'SIGKILL');
    await waitFor(async () => {
      const children = await childrenOf(pid);
      return children.length === 2 && !children.includes(victim) ? true : undefined;
    }, 'a new ingest process in place of the killed one');
    // Scraped while the new process is still starting: the group answers without waiting for it.
    const scrape = await onNewConnection(ingest.base, 'GET', '/metrics');
    assert.equal(scrape.status, 200, scrape.text);
    assert.match(scrape.text, /^pulse_ingest_events_accepted_total\{/m);

    const since = await endOffsets(bus, topics.names.userActivity);
    const before = sent.length;
    await postBatches(10, 5);
    const records = await readTopicSince(bus, topics.names.userActivity, since, sent.length - before);
    assert.deepEqual(
      records.map((r) => (JSON.parse(r.value.toString()) as { event_id: string }).event_id).sort(),
      sent.slice(before).sort(),
    );
  });

  test('SIGTERM stops the group: the processes shut down and the primary exits 0', async () => {
    const pid = ingest.process.child.pid as number;
    const children = await childrenOf(pid);
    const exited = new Promise<number | null>((resolve) => ingest.process.child.once('exit', resolve));
    ingest.process.child.kill('SIGTERM');
    assert.equal(await exited, 0);
    for (const child of children) assert.throws(() => process.kill(child, 0), 'the ingest process exited too');
  });
});

test(
  'a group whose processes cannot start (its port is taken) exits with their error instead of restarting them',
  { timeout: 60_000 },
  async () => {
    const taken = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
    const failing = testTopics(`ipfail${randomUUID().slice(0, 6)}`);
    const child = spawnPulse(['ingest'], {
      ...failing.env,
      PULSE_KAFKA_BROKERS: kafkaBrokers,
      PULSE_LOG_LEVEL: 'warn',
      PULSE_PORT: String(port),
      PULSE_SITES: 'demo',
      PULSE_INGEST_PROCESSES: '2',
    });
    try {
      const code = await new Promise<number | null>((resolve) => child.child.once('exit', resolve));
      assert.notEqual(code, 0, child.output());
      assert.match(child.output(), /EADDRINUSE/);
      assert.match(child.output(), /exited before it listened; stopping the group/);
    } finally {
      await child.stop();
      await new Promise((resolve) => taken.close(resolve));
      await failing.remove();
    }
  },
);
