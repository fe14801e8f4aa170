import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Cluster, Redis } from 'ioredis';
import type { EnrichedEvent, EventType } from '../../src/contract/event-schema.ts';
import { isPulseError, errorCodes } from '../../src/shared/errors.ts';
import { rootOf, siteKeys } from '../../src/stores/realtime/redis/keys.ts';
import { createMemoryRealtimeStore } from '../../src/stores/realtime/memory/memory-realtime-store.ts';
import { createRedisRealtimeStore, redisTarget } from '../../src/stores/realtime/redis/redis-realtime-store.ts';
import type { RealtimeStore } from '../../src/stores/realtime/realtime-store.ts';
import { defineRealtimeStoreSuite, NOW, realtimeEvent } from '../helpers/realtime-store-suite.ts';
import { freePort, redisUrl } from '../helpers/services.ts';

/** The three-master cluster of `scripts/stack up redis-cluster`. */
const redisClusterUrl = process.env['PULSE_TEST_REDIS_CLUSTER_URL'] ?? 'redis://127.0.0.1:17001,127.0.0.1:17002,127.0.0.1:17003';

/** A plain client of the cluster at `url`, connected and ready. */
async function clusterClient(url: string): Promise<Cluster> {
  const target = redisTarget(url);
  if (target.kind !== 'cluster') throw new Error(`${url} is not a cluster URL`);
  const cluster = new Cluster(target.seeds, { redisOptions: { maxRetriesPerRequest: 1 } });
  await cluster.ping();
  return cluster;
}

/** Runs `fn` on the one Redis of `url`, or on every master of its cluster. */
async function onEveryMaster<T>(url: string, fn: (master: Redis) => Promise<T>): Promise<T[]> {
  if (redisTarget(url).kind === 'single') {
    const redis = new Redis(url, { maxRetriesPerRequest: 1 });
    try {
      return [await fn(redis)];
    } finally {
      redis.disconnect();
    }
  }
  const cluster = await clusterClient(url);
  try {
    return await Promise.all(cluster.nodes('master').map(fn));
  } finally {
    cluster.disconnect();
  }
}

/** Every key under `keyPrefix` on one Redis (SCAN to the end: one call covers only part of it). */
async function scanKeys(redis: Redis, keyPrefix: string): Promise<string[]> {
  const all: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 10_000);
    cursor = next;
    all.push(...keys);
  } while (cursor !== '0');
  return all;
}

/** Deletes every key under a test's prefix, on every master; one key per command, so no CROSSSLOT. */
async function deleteKeys(url: string, keyPrefix: string): Promise<number> {
  const counts = await onEveryMaster(url, async (master) => {
    const keys = await scanKeys(master, keyPrefix);
    let deleted = 0;
    for (let i = 0; i < keys.length; i += 1000) {
      const pipeline = master.pipeline();
      for (const key of keys.slice(i, i + 1000)) pipeline.unlink(key);
      for (const [error, count] of (await pipeline.exec()) ?? []) {
        if (error !== null) throw error;
        deleted += count as number;
      }
    }
    return deleted;
  });
  return counts.reduce((sum, n) => sum + n, 0);
}

defineRealtimeStoreSuite('redis realtime store', async (options) => {
  const keyPrefix = `test-${randomUUID()}:`;
  return {
    store: createRedisRealtimeStore({ url: redisUrl, keyPrefix, ...options }),
    cleanup: async () => {
      await deleteKeys(redisUrl, keyPrefix);
    },
  };
});

defineRealtimeStoreSuite('redis cluster realtime store', async (options) => {
  const keyPrefix = `test-${randomUUID()}:`;
  return {
    store: createRedisRealtimeStore({ url: redisClusterUrl, keyPrefix, ...options }),
    cleanup: async () => {
      await deleteKeys(redisClusterUrl, keyPrefix);
    },
  };
});

/** A small seeded generator (mulberry32), so a failing stream can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

for (const [name, url] of [
  ['redis', redisUrl],
  ['redis cluster', redisClusterUrl],
] as const) {
  describe(`${name} and memory agree on a random stream`, () => {
    const keyPrefix = `test-${randomUUID()}:`;
    const seed = Number(process.env['PULSE_TEST_SEED'] ?? 20250310);

    test(`seed ${seed}: every read matches after out-of-order batches with duplicates`, async () => {
      const redis = createRedisRealtimeStore({ url, keyPrefix });
      const memory = createMemoryRealtimeStore();
      try {
        const next = random(seed);
        const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
        const sites = ['alpha', 'beta'].map((s) => `${s}-${randomUUID().slice(0, 6)}`);
        const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
        const paths = ['/', '/pricing', '/docs', '/docs/a', '/blog/ü', '/😀'];
        const types: EventType[] = ['page_view', 'page_view', 'mouse_move', 'mouse_move', 'click', 'form_submit', 'custom'];
        const stream: EnrichedEvent[] = [];
        for (let i = 0; i < 3000; i++) {
          const user = pick(users);
          const type = pick(types);
          const event = realtimeEvent(type, {
            site: pick(sites),
            user,
            session: `${user}-s${Math.floor(next() * 3)}`,
            // Mostly recent, some up to 75 minutes old; timestamps drift forward through the stream.
            at: NOW - Math.floor((1 - i / 3000) * (next() < 0.8 ? 10 * 60_000 : 75 * 60_000) * next()),
            path: pick(paths),
            x: Math.floor(next() * 1500),
            y: Math.floor(next() * 900),
            ...(next() < 0.9 ? { viewport_w: 1280, viewport_h: 720 } : {}),
            name: 'evt',
            text: next() < 0.5 ? 'Buy' : '',
            selector: '#b',
          });
          stream.push(event);
          if (next() < 0.01 && stream.length > 1) stream.push({ ...pick(stream) });
        }
        let duplicates = 0;
        for (let i = 0; i < stream.length;) {
          const size = 1 + Math.floor(next() * 400);
          const batch = stream.slice(i, i + size);
          // Redeliver part of the previous batch now and then.
          if (next() < 0.2 && i > 0) batch.unshift(...stream.slice(Math.max(0, i - 30), i));
          const result = await redis.applyBatch(batch);
          assert.deepEqual(result, await memory.applyBatch(batch));
          duplicates += result.duplicates;
          i += size;
        }
        const sample = await memory.snapshot(sites[0] as string, NOW, { feedSize: 100 });
        assert.ok(
          duplicates > 30 && sample.activeUsers > 10 && sample.sessions.count > 10 && sample.feed.length === 100,
          'a stream worth comparing',
        );

        for (const now of [NOW, NOW + 3 * 60_000, NOW + 2 * 3600_000]) {
          for (const site of sites) {
            assert.deepEqual(
              await redis.snapshot(site, now, { topN: 20, feedSize: 100 }),
              await memory.snapshot(site, now, { topN: 20, feedSize: 100 }),
            );
            for (const path of paths) {
              assert.deepEqual(await redis.lastPositions(site, path, now), await memory.lastPositions(site, path, now));
              assert.deepEqual(await redis.heatmap(site, path), await memory.heatmap(site, path));
            }
            for (const user of users) assert.deepEqual(await redis.userStats(site, user, now), await memory.userStats(site, user, now));
          }
        }
        const site = sites[0] as string;
        for (const user of users.slice(0, 10)) assert.equal(await redis.forgetUser(site, user), await memory.forgetUser(site, user), user);
        assert.deepEqual(await redis.snapshot(site, NOW, { feedSize: 100 }), await memory.snapshot(site, NOW, { feedSize: 100 }));
      } finally {
        await redis.close();
        await memory.close();
        await deleteKeys(url, keyPrefix);
      }
    });
  });
}

describe('redis realtime store: keys and structures', () => {
  const keyPrefix = `test-${randomUUID()}:`;
  let store: RealtimeStore;
  let redis: Redis;

  before(async () => {
    store = createRedisRealtimeStore({ url: redisUrl, keyPrefix });
    redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    await store.ping();
  });
  after(async () => {
    await store.close();
    await deleteKeys(redisUrl, keyPrefix);
    redis.disconnect();
  });

  test('every key lives under the prefix, with the documented type and expiry', async () => {
    const site = 'keys';
    const at = Date.now() - 1000;
    const pageView = realtimeEvent('page_view', { site, user: 'u:1', session: 's1', at, path: '/a' });
    const move = realtimeEvent('mouse_move', {
      site,
      user: 'u:1',
      session: 's1',
      at,
      path: '/a',
      x: 10,
      y: 10,
      viewport_w: 100,
      viewport_h: 100,
    });
    await store.applyBatch([pageView, move]);

    const k = siteKeys(rootOf(keyPrefix), site);
    const minute = Math.floor(at / 60_000);
    const second = Math.floor(at / 1000);
    const expected: [key: string, type: string, ttl: 'none' | [min: number, max: number]][] = [
      [k.seen(pageView.event_id), 'string', [2 * 86_400 - 60, 2 * 86_400]],
      [k.seen(move.event_id), 'string', [2 * 86_400 - 60, 2 * 86_400]],
      [k.newest, 'string', 'none'],
      [k.active, 'zset', 'none'],
      [k.cursors, 'zset', 'none'],
      [k.pages, 'zset', 'none'],
      [k.pagesMinute(minute), 'zset', [3800, 3900]],
      [k.eps(second), 'string', [60, 120]],
      [k.sessions, 'zset', 'none'],
      [`${k.sessions}:first`, 'hash', 'none'],
      [`${k.sessions}:pv`, 'hash', 'none'],
      [k.feed, 'list', 'none'],
      [k.heat('/a'), 'hash', 'none'],
      [k.userHour('u:1'), 'hash', [3800, 3900]],
      [k.userPosition('u:1'), 'hash', [86_300, 86_400]],
      [k.userSessions('u:1'), 'set', [7100, 7200]],
    ];
    for (const [key, type, ttl] of expected) {
      assert.equal(await redis.type(key), type, key);
      const seconds = await redis.ttl(key);
      if (ttl === 'none') assert.equal(seconds, -1, `${key} has no expiry`);
      else assert.ok(seconds >= ttl[0] && seconds <= ttl[1], `${key} expires in ${seconds} s`);
    }
    assert.deepEqual((await scanKeys(redis, keyPrefix)).sort(), expected.map(([key]) => key).sort(), 'no other keys');

    assert.deepEqual(await redis.zrange(k.active, '0', '-1', 'WITHSCORES'), ['u:1', String(at)]);
    assert.deepEqual(await redis.hgetall(k.userPosition('u:1')), { x: '10', y: '10', vw: '100', vh: '100', ts: String(at), path: '/a' });
    assert.deepEqual(await redis.hgetall(k.heat('/a')), { '5:5': '1' });
    assert.deepEqual(await redis.hgetall(k.userHour('u:1')), { [String(minute)]: '2' });
    // The feed holds the page view only: cursor moves are left out of it.
    assert.deepEqual(
      (await redis.lrange(k.feed, 0, -1)).map((entry) => (JSON.parse(entry) as { event_id: string }).event_id),
      [pageView.event_id],
    );

    // A site that only sees cursor moves gets no feed key (no empty LPUSH), but its cursor keys.
    const moves = siteKeys(rootOf(keyPrefix), 'moves');
    await store.applyBatch([
      realtimeEvent('mouse_move', { site: 'moves', user: 'm', at, path: '/a', x: 1, y: 1, viewport_w: 100, viewport_h: 100 }),
    ]);
    assert.equal(await redis.exists(moves.feed), 0, 'no feed key');
    assert.equal(await redis.exists(moves.cursors, moves.active, moves.userPosition('m'), moves.heat('/a')), 4);
  });

  test('a batch larger than one script call carries is applied whole', async () => {
    const site = 'big';
    const events = Array.from({ length: 12_000 }, (_, i) =>
      realtimeEvent('page_view', { site, user: `u${i % 100}`, at: NOW - (i % 600) * 1000, path: `/p${i % 4}` }),
    );
    assert.deepEqual(await store.applyBatch(events), { applied: 12_000, duplicates: 0 });
    assert.deepEqual(await store.applyBatch(events.slice(4_000, 11_000)), { applied: 0, duplicates: 7_000 });
    const snapshot = await store.snapshot(site, NOW);
    assert.deepEqual(
      snapshot.topPages.map((p) => p.views),
      [3000, 3000, 3000, 3000],
    );
    assert.equal(snapshot.activeUsers, 100);
  });

  test('a Redis that cannot be reached rejects the batch instead of pretending', async () => {
    const port = await freePort();
    const down = createRedisRealtimeStore({ url: `redis://127.0.0.1:${port}`, onError: () => undefined });
    try {
      const started = Date.now();
      await assert.rejects(down.applyBatch([realtimeEvent('page_view', { site: 'down', user: 'u', at: NOW })]));
      assert.ok(Date.now() - started < 5_000, 'fails within seconds');
    } finally {
      await down.close();
    }
  });

  test('micro-measure: applyBatch throughput with batches of 500 (reported, not asserted)', async (t) => {
    const site = 'bench';
    const users = 2_000;
    const paths = Array.from({ length: 50 }, (_, i) => `/page/${i}`);
    const types: EventType[] = ['mouse_move', 'mouse_move', 'page_view', 'page_view', 'click'];
    const start = Date.now() - 60_000;
    const total = 50_000;
    const events = Array.from({ length: total }, (_, i) => {
      const user = i % users;
      return realtimeEvent(types[i % types.length] ?? 'custom', {
        site,
        user: `user-${user}`,
        session: `session-${user}`,
        at: start + Math.floor(i * (60_000 / total)),
        path: paths[(i * 7) % paths.length] as string,
        x: i % 1280,
        y: i % 720,
        viewport_w: 1280,
        viewport_h: 720,
        text: 'Add to cart',
      });
    });
    await store.applyBatch(events.slice(0, 500)); // loads the script
    const began = process.hrtime.bigint();
    let applied = 0;
    for (let i = 500; i < events.length; i += 500) applied += (await store.applyBatch(events.slice(i, i + 500))).applied;
    const seconds = Number(process.hrtime.bigint() - began) / 1e9;
    assert.equal(applied, total - 500);
    const rate = Math.round(applied / seconds);
    t.diagnostic(`applyBatch on Redis: ${applied} events in ${seconds.toFixed(2)} s = ${rate} events/s (batches of 500)`);
  });
});

describe('redis realtime store: URL forms', () => {
  test('one host is one Redis, handed to ioredis unchanged', () => {
    for (const url of ['redis://127.0.0.1:6379', 'rediss://user:p%40ss@cache.example:6380/2', 'redis://127.0.0.1:6379/?family=6']) {
      assert.deepEqual(redisTarget(url), { kind: 'single', url });
    }
  });

  test('several seeds, or the +cluster scheme, are a cluster', () => {
    assert.deepEqual(redisTarget('redis://127.0.0.1:17001,127.0.0.1:17002,127.0.0.1:17003'), {
      kind: 'cluster',
      seeds: [17001, 17002, 17003].map((port) => ({ host: '127.0.0.1', port })),
      tls: false,
      username: undefined,
      password: undefined,
    });
    assert.deepEqual(redisTarget('rediss+cluster://pulse:p%40ss%2Fw@cache.example/0'), {
      kind: 'cluster',
      seeds: [{ host: 'cache.example', port: 6379 }],
      tls: true,
      username: 'pulse',
      password: 'p@ss/w',
    });
    assert.deepEqual(redisTarget('redis+cluster://:secret@[::1]:7000,node-2:7001/'), {
      kind: 'cluster',
      seeds: [
        { host: '::1', port: 7000 },
        { host: 'node-2', port: 7001 },
      ],
      tls: false,
      username: undefined,
      password: 'secret',
    });
  });

  test('what a cluster cannot honour is refused at start, without the password in the message', () => {
    for (const [url, reason] of [
      ['redis://u:hunter2@a:1,b:2/3', /database 0 only/],
      ['redis+cluster://u:hunter2@a:1?tls=true', /no query/],
      ['redis://u:hunter2@a:1,b:99999', /'b:99999' is not host:port/],
      ['redis://u:hunter2@a:1,', /'' is not host:port/],
      ['redis+cluster://u:%zz@a:1', /malformed/],
      ['http://u:hunter2@a:1', /expected redis:\/\//],
    ] as const) {
      assert.throws(
        () => createRedisRealtimeStore({ url }),
        (error: unknown) => {
          assert.ok(isPulseError(error, errorCodes.CONFIG_INVALID), url);
          assert.match(error.message, reason);
          assert.doesNotMatch(error.message, /hunter2|%zz/, 'password left out');
          return true;
        },
      );
    }
    assert.throws(() => createRedisRealtimeStore({ url: redisClusterUrl, keyPrefix: 'a{b}:' }), /keyPrefix/);
  });
});

describe('redis cluster realtime store: one slot per site', () => {
  const keyPrefix = `test-${randomUUID()}:`;
  let store: RealtimeStore;
  let cluster: Cluster;

  before(async () => {
    store = createRedisRealtimeStore({ url: redisClusterUrl, keyPrefix });
    cluster = await clusterClient(redisClusterUrl);
    await store.ping();
  });
  after(async () => {
    await store.close();
    cluster.disconnect();
    await deleteKeys(redisClusterUrl, keyPrefix);
  });

  /** Script calls every master has answered so far (EVALSHA and the EVAL fallback). */
  const scriptCalls = async (): Promise<number> => {
    const counts = await Promise.all(
      cluster.nodes('master').map(async (master) => {
        const stats = await master.info('commandstats');
        return [...stats.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
      }),
    );
    return counts.reduce((sum, n) => sum + n, 0);
  };

  test('the keys of a site share one slot and one master; sites spread over the masters', async () => {
    const sites = Array.from({ length: 16 }, (_, i) => `spread-${i}`);
    const at = Date.now() - 1000;
    const events = sites.flatMap((site) => [
      realtimeEvent('page_view', { site, user: 'u:1', at, path: '/a' }),
      realtimeEvent('mouse_move', { site, user: 'u:1', at, path: '/a', x: 1, y: 1, viewport_w: 10, viewport_h: 10 }),
    ]);
    assert.deepEqual(await store.applyBatch(events), { applied: 32, duplicates: 0 });

    const masters = cluster.nodes('master');
    assert.equal(masters.length, 3, 'the test cluster has three masters');
    const perMaster = await Promise.all(masters.map((master) => scanKeys(master, keyPrefix)));
    assert.ok(perMaster.filter((keys) => keys.length > 0).length >= 2, 'keys on more than one master');

    for (const site of sites) {
      const k = siteKeys(rootOf(keyPrefix), site);
      const holders = perMaster.map((keys) => keys.filter((key) => key.startsWith(k.base)));
      assert.equal(holders.filter((keys) => keys.length > 0).length, 1, `${site}: one master holds all its keys`);
      const keys = holders.flat();
      const siteEvents = events.filter((event) => event.site === site);
      for (const event of siteEvents) assert.ok(keys.includes(k.seen(event.event_id)), `${site}: dedupe marker under the site`);
      assert.equal(keys.length, 16, `${site}: the documented keys`);
      const slots = new Set(await Promise.all([k.base, ...keys].map((key) => cluster.cluster('KEYSLOT', key))));
      assert.equal(slots.size, 1, `${site}: one slot`);
    }
    const all = perMaster.flat();
    assert.equal(
      all.filter((key) => !sites.some((site) => key.startsWith(siteKeys(rootOf(keyPrefix), site).base))).length,
      0,
      'no other keys',
    );
  });

  test('a batch is one script call per site, per 5,000 events of a site', async () => {
    const sites = ['calls-a', 'calls-b', 'calls-c', 'calls-d'];
    const batch = (n: number) =>
      sites.flatMap((site) => Array.from({ length: n }, (_, i) => realtimeEvent('page_view', { site, user: `u${i % 10}`, at: NOW - i })));
    await store.applyBatch(batch(1)); // loads the scripts on every master
    let before = await scriptCalls();
    assert.deepEqual(await store.applyBatch(batch(100)), { applied: 400, duplicates: 0 });
    assert.equal((await scriptCalls()) - before, sites.length);

    before = await scriptCalls();
    const big = Array.from({ length: 12_000 }, (_, i) => realtimeEvent('page_view', { site: 'calls-a', user: `u${i % 100}`, at: NOW - i }));
    assert.deepEqual(await store.applyBatch(big), { applied: 12_000, duplicates: 0 });
    assert.equal((await scriptCalls()) - before, 3, '12,000 events of one site: three calls');
  });

  test('ping asks every master; forgetUser, reads and close work across the cluster', async () => {
    await store.ping();
    const site = 'forget-me';
    await store.applyBatch([
      realtimeEvent('page_view', { site, user: 'gone', at: NOW - 1000, path: '/a' }),
      realtimeEvent('page_view', { site, user: 'kept', at: NOW - 500, path: '/a' }),
    ]);
    assert.ok((await store.forgetUser(site, 'gone')) > 0);
    const snapshot = await store.snapshot(site, NOW, { feedSize: 10 });
    assert.deepEqual(
      snapshot.feed.map((item) => item.user_id),
      ['kept'],
    );
    assert.equal(snapshot.activeUsers, 1);
  });

  test('a cluster that cannot be reached rejects within seconds, as unavailable', async () => {
    const ports = [await freePort(), await freePort()];
    const down = createRedisRealtimeStore({
      url: `redis://${ports.map((port) => `127.0.0.1:${port}`).join(',')}`,
      onError: () => undefined,
    });
    try {
      const started = Date.now();
      await assert.rejects(down.applyBatch([realtimeEvent('page_view', { site: 'down', user: 'u', at: NOW })]), (error: unknown) =>
        isPulseError(error, errorCodes.STORE_UNAVAILABLE),
      );
      await assert.rejects(down.ping(), (error: unknown) => isPulseError(error, errorCodes.STORE_UNAVAILABLE));
      assert.ok(Date.now() - started < 5_000, 'fails within seconds');
    } finally {
      await down.close();
    }
  });
});
