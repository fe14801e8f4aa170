import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { createKafkaBus } from '../../src/bus/kafka/kafka-bus.ts';
import { ingestTopicSpecs, topicNames } from '../../src/bus/topics.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createRedisRealtimeStore } from '../../src/stores/realtime/redis/index.ts';
import { deleteKafkaTopics } from '../helpers/kafka-topics.ts';
import { assertMatchesStream, knownStream, recordsOf } from '../helpers/known-stream.ts';
import { startPrivateRedis } from '../helpers/private-services.ts';
import { kafkaBrokers, waitFor } from '../helpers/services.ts';
import { storeOutageUnderLoad } from '../helpers/store-outage.ts';

test(
  'Redis crashed under load: the realtime worker pauses while it is down, then catches up with exact live figures',
  { timeout: 120_000 },
  async (t) => {
    const id = randomUUID().slice(0, 8);
    const prefix = `fault-redis-${id}.`;
    const site = `fr${id}`;
    const config = loadConfig({ PULSE_TOPIC_PREFIX: prefix });
    const specs = ingestTopicSpecs(config);
    const bus = createKafkaBus({ brokers: kafkaBrokers.split(','), clientId: `test-fault-redis-${id}` });
    const redis = await startPrivateRedis();
    try {
      await bus.ensureTopics(specs);
      // 3,000 events (1% sent twice) over cursor moves and tracked events, keyed by user as ingest does.
      const stream = knownStream(site, { count: 3000, users: 40, seed: 13, now: Date.now() });
      const report = await storeOutageUnderLoad({
        server: redis,
        bus,
        worker: ['worker', 'realtime'],
        env: { PULSE_REDIS_URL: redis.url, PULSE_TOPIC_PREFIX: prefix },
        records: recordsOf(stream.sent, topicNames(prefix)),
        crashAfter: 300,
        lagWhileDown: 1000,
        timeoutMs: 90_000,
      });
      t.diagnostic(`sent ${stream.sent.length} (${stream.unique.length} unique); ${JSON.stringify(report)}`);
      assert.equal(report.dlq, 0);
      assert.ok(report.okAtEnd >= stream.sent.length, 'every record was written (repeats after the crash included)');

      const store = createRedisRealtimeStore({ url: redis.url });
      try {
        // Exact: active users, page views per page, events per user, each user's last cursor position.
        await assertMatchesStream(store, site, stream, Date.now());
        const perUser = [...stream.expected.eventsPerUser.values()].reduce((sum, n) => sum + n, 0);
        assert.equal(perUser, stream.unique.length, 'each unique event counted once');
      } finally {
        await store.close();
      }
    } finally {
      await redis.remove();
      await waitFor(
        async () => {
          await bus.deleteGroup(`${prefix}pulse-realtime`);
          return true;
        },
        'group deleted',
        20_000,
      ).catch(() => undefined);
      await bus.close();
      await deleteKafkaTopics(specs.map((s) => s.name));
    }
  },
);
