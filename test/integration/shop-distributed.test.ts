import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { shopTopicSpecs } from '../../src/bus/topics.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { Recommendation } from '../../src/shop/recommend.ts';
import type { CategoryFigure, SearchResult } from '../../src/stores/search/search-index.ts';
import { deleteKafkaTopics } from '../helpers/kafka-topics.ts';
import {
  adminHeaders,
  freePort,
  kafkaBrokers,
  postgresUrl,
  redisUrl,
  spawnPulse,
  waitFor,
  type PulseProcess,
} from '../helpers/services.ts';

const opensearchUrl = process.env['PULSE_OPENSEARCH_URL'] ?? 'http://127.0.0.1:19200';

async function runToEnd(child: PulseProcess, timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  const timer = setTimeout(() => void child.stop(), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.child.once('exit', resolve));
  clearTimeout(timer);
  return { code, output: child.output() };
}

/**
 * The marketplace as separate processes, as a user deploys it: `pulse shop filter`, `pulse shop
 * analytics`, `pulse worker search` and `pulse dashboard` on Kafka and OpenSearch; the catalog and
 * the bans written by the CLI straight to Kafka, searches through the dashboard's API.
 */
test('distributed marketplace: shop filter, analytics, search worker and dashboard as processes', { timeout: 300_000 }, async () => {
  const prefix = `shopd-${randomUUID().slice(0, 8)}.`;
  const env = {
    PULSE_KAFKA_BROKERS: kafkaBrokers,
    PULSE_TOPIC_PREFIX: prefix,
    PULSE_OPENSEARCH_URL: opensearchUrl,
    PULSE_REDIS_URL: redisUrl,
    PULSE_POSTGRES_URL: postgresUrl,
    PULSE_LOG_LEVEL: 'warn',
  };
  const processes: PulseProcess[] = [];
  const start = async (args: string[]): Promise<string> => {
    const port = await freePort();
    const child = spawnPulse(args, { ...env, PULSE_PORT: String(port) });
    processes.push(child);
    const base = `http://127.0.0.1:${port}`;
    // Four Node processes starting at once on two cores: each gets a minute.
    await waitFor(
      async () => {
        if (child.child.exitCode !== null) throw new Error(`pulse ${args.join(' ')} exited: ${child.output()}`);
        return (await fetch(`${base}/health`).catch(() => undefined))?.ok === true ? true : undefined;
      },
      `pulse ${args.join(' ')} to answer /health`,
      90_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${child.output()}`);
    });
    return base;
  };
  try {
    const [dashboard] = await Promise.all([
      start(['dashboard']),
      start(['shop', 'filter']),
      start(['shop', 'analytics']),
      start(['worker', 'search']),
    ]);
    const cli = async (...args: string[]) => {
      const run = await runToEnd(spawnPulse(['shop', ...args], { ...env, PULSE_URL: dashboard as string }));
      assert.equal(run.code, 0, run.output);
      return run.output;
    };
    await cli('ban', '--brand', 'FakeBrand');
    assert.match(await cli('emit'), /published 368 products to Kafka/);

    const get = async <T>(path: string): Promise<T> => (await (await fetch(`${dashboard}${path}`, { headers: adminHeaders })).json()) as T;
    const categories = await waitFor(
      async () => {
        const { categories } = await get<{ categories: CategoryFigure[] }>('/api/shop/categories');
        return categories.reduce((sum, c) => sum + c.product_count, 0) === 364 ? categories : undefined;
      },
      'the index to hold the catalog without FakeBrand',
      120_000,
    );
    assert.ok(categories.length >= 10);
    const found = JSON.parse(await cli('search', '--name', 'часы', '--user-id', 'user123', '--json')) as SearchResult;
    assert.match(found.hits[0]?.product.name ?? '', /часы/i);
    assert.ok(found.hits.every((hit) => hit.product.brand !== 'FakeBrand'));
    const recommendation = await waitFor(
      async () => {
        const answer = JSON.parse(await cli('recommend', '--user-id', 'user123', '--json')) as Recommendation;
        return answer.basis === 'searches' ? answer : undefined;
      },
      'recommendations from the search',
      60_000,
    );
    assert.ok(recommendation.products.length > 0);
    assert.match(await cli('banned'), /brand\s+"FakeBrand"/);
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await deleteKafkaTopics(shopTopicSpecs(loadConfig({ PULSE_TOPIC_PREFIX: prefix })).map((s) => s.name));
    const indexPrefix = prefix.replace(/[^a-z0-9_]/g, '_');
    await fetch(`${opensearchUrl}/${indexPrefix}*`, { method: 'DELETE' }).catch(() => undefined);
  }
});
