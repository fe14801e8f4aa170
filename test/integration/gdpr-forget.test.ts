import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { createKafkaBus } from '../../src/bus/kafka/kafka-bus.ts';
import { createRedisRealtimeStore } from '../../src/stores/realtime/redis/index.ts';
import { createClickHouseWarehouse } from '../../src/stores/warehouse/clickhouse/index.ts';
import { createPostgresWarehouse } from '../../src/stores/warehouse/postgres/index.ts';
import type { Warehouse } from '../../src/stores/warehouse/warehouse.ts';
import { recordsOf } from '../helpers/known-stream.ts';
import { caughtUp, startService, testTopics, type PulseService } from '../helpers/pipeline.ts';
import { realtimeEvent } from '../helpers/realtime-store-suite.ts';
import { clickhouseUrl, kafkaBrokers, postgresUrl, redisUrl, spawnPulse } from '../helpers/services.ts';

async function storedUsers(warehouse: Warehouse, site: string): Promise<string[]> {
  const users: string[] = [];
  for await (const page of warehouse.exportEvents({ from: 0, to: Date.now() + 3_600_000, site })) users.push(...page.map((e) => e.user_id));
  return users;
}

test('pulse db forget erases one visitor from Redis, PostgreSQL and ClickHouse and leaves the others', { timeout: 300_000 }, async () => {
  const id = randomUUID().slice(0, 8);
  const site = `gdpr${id}`;
  const [gone, kept] = [`${site}-erase-me`, `${site}-keep-me`];
  const now = Date.now();
  const events = [gone, kept].flatMap((user, u) =>
    Array.from({ length: 6 }, (_, i) => {
      const fields = { site, user, at: now - 60_000 + i * 1000 + u, path: `/p${i % 3}`, id: `${site}-event-${u}-${i}` };
      if (i % 3 === 2) return realtimeEvent('mouse_move', { ...fields, x: 10 * i, y: 20, viewport_w: 1000, viewport_h: 800 });
      return realtimeEvent('page_view', { ...fields, duration: 3 + i * 10 });
    }),
  );
  const own = testTopics(site);
  const env = { ...own.env, PULSE_REDIS_URL: redisUrl, PULSE_POSTGRES_URL: postgresUrl, PULSE_CLICKHOUSE_URL: clickhouseUrl };
  const bus = createKafkaBus({ brokers: kafkaBrokers.split(','), clientId: 'test-gdpr' });
  const realtime = createRedisRealtimeStore({ url: redisUrl });
  const warehouses: Warehouse[] = [createPostgresWarehouse({ url: postgresUrl }), createClickHouseWarehouse({ url: clickhouseUrl })];
  const redis = new Redis(redisUrl);
  const services: PulseService[] = [];
  try {
    for (const args of [
      ['worker', 'realtime'],
      ['worker', 'warehouse', '--sink', 'postgres'],
      ['worker', 'warehouse', '--sink', 'clickhouse'],
    ]) {
      services.push(await startService(args, env));
    }
    await bus.produce(recordsOf(events, own.names));
    for (const service of services) await caughtUp(service, 'worker caught up');

    assert.equal((await realtime.userStats(site, gone, Date.now())).eventsLastHour, 6);
    for (const warehouse of warehouses) assert.equal((await storedUsers(warehouse, site)).filter((u) => u === gone).length, 4);

    const cli = spawnPulse(['db', 'forget', '--site', site, '--user', gone], { ...env, PULSE_LOG_LEVEL: 'warn' });
    const code = await new Promise<number | null>((resolve) => cli.child.once('exit', resolve));
    assert.equal(code, 0, cli.output());
    assert.match(cli.output(), /realtime\s+[1-9]\d* removed/);
    assert.match(cli.output(), /postgres\s+[1-9]\d* removed/);
    assert.match(cli.output(), /clickhouse\s+[1-9]\d* removed/);

    // Nothing of the erased visitor remains anywhere…
    const stats = await realtime.userStats(site, gone, Date.now());
    assert.deepEqual([stats.eventsLastHour, stats.lastPosition], [0, null]);
    const snapshot = await realtime.snapshot(site, Date.now(), { feedSize: 100 });
    assert.equal(snapshot.activeUsers, 1);
    assert.ok(snapshot.feed.every((item) => item.user_id !== gone));
    assert.ok((await realtime.lastPositions(site, '/p2', Date.now())).every((p) => p.user_id !== gone));
    // Dedupe markers (`seen:<event_id>`) stay, as PostgreSQL's claims do: they hold no user data and
    // stop a replay from bringing the erased events back.
    const keysNamingUser = await redis.keys(`*${gone}*`);
    assert.deepEqual(keysNamingUser, [], 'no Redis key names the visitor');
    for (const warehouse of warehouses) {
      assert.deepEqual(
        (await storedUsers(warehouse, site)).filter((u) => u === gone),
        [],
        `${warehouse.kind}: no event of the visitor`,
      );
      const pages = await warehouse.pageAggregates({ from: 0, to: Date.now() + 3_600_000, site });
      assert.equal(Math.max(...pages.map((p) => p.unique_users)), 1, `${warehouse.kind}: aggregates count only the other visitor`);
      assert.equal(
        pages.reduce((sum, p) => sum + p.views, 0),
        4,
        `${warehouse.kind}: only the other visitor's views`,
      );
    }
    // …and the other visitor is untouched.
    assert.equal((await realtime.userStats(site, kept, Date.now())).eventsLastHour, 6);
    for (const warehouse of warehouses) assert.equal((await storedUsers(warehouse, site)).filter((u) => u === kept).length, 4);
  } finally {
    for (const service of services) await service.process.stop();
    redis.disconnect();
    await realtime.close();
    await Promise.allSettled(warehouses.map((w) => w.close()));
    await bus.close();
    await own.remove();
  }
});
