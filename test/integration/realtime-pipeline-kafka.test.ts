import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { createKafkaBus } from '../../src/bus/kafka/kafka-bus.ts';
import { createKafkaClusterAdmin } from '../../src/bus/kafka/kafka-cluster-admin.ts';
import { createRedisRealtimeStore } from '../../src/stores/realtime/redis/index.ts';
import { REALTIME_GROUP } from '../../src/workers/realtime/realtime-worker.ts';
import { assertMatchesStream, knownStream, recordsOf } from '../helpers/known-stream.ts';
import { testTopics, type TestTopics } from '../helpers/pipeline.ts';
import { freePort, kafkaBrokers, redisUrl, spawnPulse, waitFor, waitForHealth, type PulseProcess } from '../helpers/services.ts';

interface Status {
  records: { ok: number; dlq: number };
  totalLag: number;
}

async function startWorkerProcess(own: TestTopics): Promise<{ process: PulseProcess; status: () => Promise<Status> }> {
  const port = await freePort();
  const process = spawnPulse(['worker', 'realtime'], {
    ...own.env,
    PULSE_PORT: String(port),
    PULSE_KAFKA_BROKERS: kafkaBrokers,
    PULSE_REDIS_URL: redisUrl,
    PULSE_WORKER_BATCH: '50',
    PULSE_LOG_LEVEL: 'warn',
  });
  const base = `http://127.0.0.1:${port}`;
  await waitForHealth(base, process);
  return { process, status: async () => (await (await fetch(`${base}/status`, { signal: AbortSignal.timeout(5000) })).json()) as Status };
}

test(
  'Kafka → Redis: a known stream with duplicates, a killed worker and a full replay gives exact live figures',
  { timeout: 300_000 },
  async () => {
    const bus = createKafkaBus({ brokers: kafkaBrokers.split(','), clientId: 'test-rt' });
    const store = createRedisRealtimeStore({ url: redisUrl });
    const site = `rt${randomUUID().slice(0, 8)}`;
    const own = testTopics(site);
    const workers: PulseProcess[] = [];
    try {
      await bus.ensureTopics(own.specs);
      const stream = knownStream(site, { count: 4000, users: 50, seed: 11, now: Date.now() });
      await bus.produce(recordsOf(stream.sent.slice(0, 2500), own.names));

      // Worker 1 is killed with SIGKILL while it works through the stream: whatever it wrote
      // after its last commit is delivered again to worker 2.
      const first = await startWorkerProcess(own);
      workers.push(first.process);
      await waitFor(async () => ((await first.status()).records.ok >= 400 ? true : undefined), 'worker 1 under way', 60_000);
      first.process.child.kill('SIGKILL');
      await new Promise((resolve) => first.process.child.once('exit', resolve));

      await bus.produce(recordsOf(stream.sent.slice(2500), own.names));
      const second = await startWorkerProcess(own);
      workers.push(second.process);
      await waitFor(async () => ((await second.status()).totalLag === 0 ? true : undefined), 'worker 2 caught up', 120_000);
      await assertMatchesStream(store, site, stream, Date.now());

      // A forced redelivery of everything: the test's group forgets its offsets and reads its topics again.
      await second.process.stop();
      await waitFor(async () => {
        await bus.deleteGroup(`${own.names.prefix}${REALTIME_GROUP}`);
        return true;
      }, 'group deleted once its member left');
      const third = await startWorkerProcess(own);
      workers.push(third.process);
      await waitFor(async () => ((await third.status()).totalLag === 0 ? true : undefined), 'replay caught up', 120_000);
      assert.ok((await third.status()).records.ok >= stream.sent.length, 'the whole stream was delivered again');
      await assertMatchesStream(store, site, stream, Date.now());
    } finally {
      for (const worker of workers) await worker.stop();
      await store.forgetUser(site, '').catch(() => undefined);
      await store.close();
      await bus.close();
      await own.remove();
    }
  },
);

test(
  'PULSE_REALTIME_CONSUMERS=2: two group members in one process share the partitions and give the same exact live figures',
  { timeout: 180_000 },
  async () => {
    const bus = createKafkaBus({ brokers: kafkaBrokers.split(','), clientId: 'test-rt-members' });
    const admin = createKafkaClusterAdmin({ brokers: kafkaBrokers.split(','), clientId: 'test-rt-members-admin' });
    const store = createRedisRealtimeStore({ url: redisUrl });
    const site = `rm${randomUUID().slice(0, 8)}`;
    const own = testTopics(site);
    let worker: PulseProcess | undefined;
    try {
      await bus.ensureTopics(own.specs);
      const stream = knownStream(site, { count: 3000, users: 60, seed: 23, now: Date.now() });
      const port = await freePort();
      worker = spawnPulse(['worker', 'realtime'], {
        ...own.env,
        PULSE_PORT: String(port),
        PULSE_KAFKA_BROKERS: kafkaBrokers,
        PULSE_REDIS_URL: redisUrl,
        PULSE_WORKER_BATCH: '50',
        PULSE_REALTIME_CONSUMERS: '2',
        PULSE_LOG_LEVEL: 'warn',
      });
      const base = `http://127.0.0.1:${port}`;
      await waitForHealth(base, worker);
      // The stream goes out once the group has settled with both members holding partitions of user-activity.
      await waitFor(
        async () => {
          const [group] = await admin.describeGroups([`${own.names.prefix}${REALTIME_GROUP}`]);
          const holding = (group?.members ?? []).filter((member) =>
            member.assignments.some((a) => a.topic === own.names.userActivity && a.partitions.length > 0),
          );
          return group?.state === 'Stable' && holding.length === 2 ? true : undefined;
        },
        'two members, each with partitions',
        60_000,
      );
      await bus.produce(recordsOf(stream.sent, own.names));
      const members = async () =>
        ((await (await fetch(`${base}/status`, { signal: AbortSignal.timeout(5000) })).json()) as { workers: Status[] }).workers;
      const done = await waitFor(
        async () => {
          const now = await members();
          return now.length === 2 && now.every((member) => member.totalLag === 0) ? now : undefined;
        },
        'both members caught up',
        120_000,
      );
      assert.ok(
        done.every((member) => member.records.ok > 0),
        `each member wrote a share: ${done.map((m) => m.records.ok).join(', ')}`,
      );
      assert.ok(done.reduce((sum, member) => sum + member.records.ok, 0) >= stream.sent.length, 'every record was written');
      await assertMatchesStream(store, site, stream, Date.now());
    } finally {
      await worker?.stop();
      await store.forgetUser(site, '').catch(() => undefined);
      await store.close();
      await bus.close();
      await admin.close();
      await own.remove();
    }
  },
);
