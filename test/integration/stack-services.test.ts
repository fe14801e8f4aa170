import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { postgresUrl, redisUrl } from '../helpers/services.ts';

// The services the stack script starts are real and writable: later components build on them.
test('PostgreSQL from scripts/stack accepts writes', async () => {
  const sql = postgres(postgresUrl, { max: 1, onnotice: () => undefined });
  try {
    await sql`create temporary table probe (n int)`;
    await sql`insert into probe select generate_series(1, 10)`;
    const [row] = await sql<{ total: number }[]>`select sum(n)::int as total from probe`;
    assert.equal(row?.total, 55);
    const [version] = await sql<{ server_version_num: string }[]>`show server_version_num`;
    assert.ok(Number(version?.server_version_num) >= 150000);
  } finally {
    await sql.end();
  }
});

test('Redis from scripts/stack accepts writes', async () => {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const key = `probe:${Date.now()}`;
    const [[, a], [, b]] = (await redis.multi().incr(key).incrby(key, 41).exec()) as [[null, number], [null, number]];
    assert.deepEqual([a, b], [1, 42]);
    await redis.del(key);
  } finally {
    redis.disconnect();
  }
});
