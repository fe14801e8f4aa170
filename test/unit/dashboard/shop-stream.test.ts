import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerShopStream } from '../../../src/shop/shop-stream.ts';
import type { CategoryFigure, QueryStats, QueryStatsRequest } from '../../../src/stores/search/search-index.ts';
import { sseReader } from '../../helpers/sse-reader.ts';

/**
 * GET /api/shop/stream over a real socket, with a fake shop and mocked
 * setInterval: a test moves the stream's clock by ticking, so "no more
 * reads after the client left" is checked without waiting for time to pass.
 */

const INTERVAL = 2000;
const HOUR = 3_600_000;

const figures: CategoryFigure[] = [{ category: 'Книги', product_count: 2, avg_price: 750, total_available: 9 }];
const stats: QueryStats = {
  searches: 3,
  recommendations: 1,
  users: 2,
  series: [{ ts: 0, searches: 3, recommendations: 1, users: 2 }],
  topQueries: [{ query: 'часы', count: 2 }],
  noResults: [{ query: 'zzzxqv', count: 1 }],
};

describe('GET /api/shop/stream', () => {
  let app: FastifyInstance;
  let base = '';
  let clock = 1_800_000_000_000;
  const reads = { categories: 0, stats: [] as QueryStatsRequest[] };
  let failures: string[] = [];

  before(async () => {
    mock.timers.enable({ apis: ['setInterval'] });
    app = Fastify();
    registerShopStream(
      app,
      {
        categories: async () => {
          reads.categories += 1;
          const failure = failures.shift();
          if (failure !== undefined) throw new Error(failure);
          return figures;
        },
        stats: async (request) => {
          reads.stats.push(request);
          return stats;
        },
      },
      { intervalMs: INTERVAL, now: () => clock },
    );
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  after(async () => {
    await app.close();
    mock.timers.reset();
  });

  /** Moves the stream's clock one interval on. */
  const tick = () => {
    clock += INTERVAL;
    mock.timers.tick(INTERVAL);
  };

  const connect = async () => {
    const abort = new AbortController();
    const response = await fetch(`${base}/api/shop/stream`, { signal: abort.signal });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.ok(response.body !== null);
    return { events: sseReader(response.body), abort };
  };

  const openConnections = () =>
    new Promise<number>((resolve, reject) => app.server.getConnections((error, n) => (error ? reject(error) : resolve(n))));

  test('pushes {categories, stats} on connect and every interval: the last hour by minute', async () => {
    const client = await connect();
    const first = await client.events.next();
    assert.equal(first.event, 'shop');
    assert.deepEqual(first.data, { categories: figures, stats: { from: clock - HOUR, to: clock, bucketMs: 60_000, ...stats } });
    assert.deepEqual(reads.stats.at(-1), { from: clock - HOUR, to: clock, bucketMs: 60_000, limit: 10 });

    tick();
    const second = await client.events.next();
    assert.equal(second.event, 'shop');
    assert.equal((second.data as { stats: { to: number } }).stats.to, clock);
    client.abort.abort();
  });

  test('a failing read sends an `error` event with its message, and the stream goes on', async () => {
    const client = await connect();
    await client.events.next();
    failures = ['search index unreachable'];
    tick();
    assert.deepEqual(await client.events.next(), { event: 'error', data: { message: 'search index unreachable' } });
    tick();
    assert.equal((await client.events.next()).event, 'shop');
    client.abort.abort();
  });

  test('clients connected together share one read per tick; a client that left is read for no more', async () => {
    const one = await connect();
    const two = await connect();
    await Promise.all([one.events.next(), two.events.next()]);
    const before = reads.categories;
    tick();
    await Promise.all([one.events.next(), two.events.next()]);
    assert.equal(reads.categories - before, 1, 'one read for both clients');

    one.abort.abort();
    two.abort.abort();
    const deadline = Date.now() + 5000;
    while ((await openConnections()) > 0) {
      assert.ok(Date.now() < deadline, 'the server saw the clients leave');
      await new Promise((resolve) => setImmediate(resolve));
    }
    const left = reads.categories;
    for (let i = 0; i < 10; i += 1) tick();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(reads.categories, left, 'no reads once every client left: their timers stopped');
  });
});
