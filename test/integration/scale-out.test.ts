import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import type { Bus } from '../../src/bus/bus.ts';
import { createKafkaBus } from '../../src/bus/kafka/kafka-bus.ts';
import { ingestTopicSpecs, topicNames } from '../../src/bus/topics.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { createRedisRealtimeStore } from '../../src/stores/realtime/redis/index.ts';
import { realtimeWorker } from '../../src/workers/realtime/realtime-worker.ts';
import { startWorker, type RunningWorker } from '../../src/workers/worker-runner.ts';
import { deleteKafkaTopics } from '../helpers/kafka-topics.ts';
import { assertMatchesStream, knownStream, recordsOf } from '../helpers/known-stream.ts';
import { kafkaBrokers, redisUrl, waitFor } from '../helpers/services.ts';

const logger = createLogger('silent', 'test');
const newBus = (name: string): Bus =>
  createKafkaBus({ brokers: kafkaBrokers.split(','), clientId: `test-scale-${name}`, partitionsMaxAgeMs: 200 });

test(
  'growing the realtime workers from 1 to 3 and the partitions from 3 to 6 mid-stream keeps the live figures exact',
  { timeout: 300_000 },
  async () => {
    const prefix = `scale-${randomUUID().slice(0, 8)}.`;
    const config = loadConfig({ PULSE_TOPIC_PREFIX: prefix, PULSE_PARTITIONS: '3' });
    const names = topicNames(prefix);
    const site = `scale${randomUUID().slice(0, 8)}`;
    const keyPrefix = `test-${randomUUID()}:`;
    const store = createRedisRealtimeStore({ url: redisUrl, keyPrefix });
    const producer = newBus('producer');
    const buses: Bus[] = [producer];
    const workers: RunningWorker[] = [];
    const addWorker = async () => {
      const bus = newBus(`worker-${workers.length}`);
      buses.push(bus);
      workers.push(await startWorker(realtimeWorker(store, names), { bus, logger, batchSize: 100, pollWaitMs: 100 }));
    };
    const handled = () => workers.reduce((sum, w) => sum + w.status().records.ok, 0);
    try {
      await producer.ensureTopics(ingestTopicSpecs(config));
      const stream = knownStream(site, { count: 3000, users: 60, seed: 21, now: Date.now() });
      const thirds = [0, 1000, 2000, 3000].map((at) => stream.sent.length * (at / 3000));
      const part = (i: number) => recordsOf(stream.sent.slice(Math.floor(thirds[i] ?? 0), Math.floor(thirds[i + 1] ?? 0)), names);

      await addWorker();
      await producer.produce(part(0));
      await waitFor(async () => (handled() > 0 ? true : undefined), 'the first worker under way', 60_000);

      // Three more partitions while the stream flows; the producer sees them within its metadata age.
      const admin = new Admin({ clientId: 'test-scale-admin', bootstrapBrokers: kafkaBrokers.split(',') });
      try {
        await admin.createPartitions({
          topics: [names.userActivity, names.mouseCoordinates].map((name) => ({ name, count: 6 })),
        });
      } finally {
        await admin.close();
      }
      await waitFor(
        async () => ((await producer.listTopics()).find((t) => t.name === names.userActivity)?.partitions.length === 6 ? true : undefined),
        'six partitions',
      );
      await new Promise((resolve) => setTimeout(resolve, 300)); // past the producer's partition-count age
      await producer.produce(part(1));
      await addWorker();
      await addWorker();
      await producer.produce(part(2));

      const newPartitions = async () =>
        (await producer.listTopics())
          .filter((t) => t.name === names.userActivity)
          .flatMap((t) => t.partitions)
          .filter((p) => p.partition >= 3 && p.endOffset > 0).length;
      assert.ok((await newPartitions()) > 0, 'records went to the new partitions too');
      const group = workers[0]?.status().group ?? '';
      let lastLag: unknown;
      await waitFor(
        async () => {
          const lag = await producer.groupLag(group, [names.userActivity, names.mouseCoordinates]);
          lastLag = lag.filter((p) => p.lag !== 0);
          return lag.length === 12 && lag.every((p) => p.lag === 0) ? true : undefined;
        },
        'every partition consumed and committed',
        120_000,
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}; behind: ${JSON.stringify(lastLag)}`);
      });
      assert.ok(workers.filter((w) => w.status().records.ok > 0).length >= 2, 'the partitions were shared among the workers');
      await assertMatchesStream(store, site, stream, Date.now());
    } finally {
      for (const worker of workers) await worker.stop();
      for (const bus of buses) await bus.close();
      await store.close();
      await deleteKafkaTopics(ingestTopicSpecs(config).map((s) => s.name));
    }
  },
);
