import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Bus } from '../../src/bus/bus.ts';
import { createKafkaBus } from '../../src/bus/kafka/kafka-bus.ts';
import { followTopicTable } from '../../src/bus/topic-table.ts';
import { shopTopicSpecs, topicNames } from '../../src/bus/topics.ts';
import { loadConfig } from '../../src/config/config.ts';
import { startShopPipeline } from '../../src/runtime/shop.ts';
import { categoryFigures } from '../../src/shop/category-figures.ts';
import { loadSampleCatalog } from '../../src/shop/catalog/read-catalog.ts';
import { createShopService } from '../../src/shop/shop-service.ts';
import { createOpenSearchIndex } from '../../src/stores/search/opensearch/index.ts';
import type { ClientQuery } from '../../src/stores/search/search-index.ts';
import { readTopicSince } from '../helpers/read-topic.ts';
import { deleteKafkaTopics } from '../helpers/kafka-topics.ts';
import { kafkaBrokers, spawnPulse, waitFor, freePort } from '../helpers/services.ts';
import { quietLogger, runFilterScenario } from '../helpers/shop-filter-scenario.ts';

const opensearchUrl = process.env['PULSE_OPENSEARCH_URL'] ?? 'http://127.0.0.1:19200';
const newBus = (name: string): Bus => createKafkaBus({ brokers: kafkaBrokers.split(','), clientId: `test-shop-${name}` });

describe('marketplace on Kafka', () => {
  test(
    'two filter instances in one group, one SIGKILLed mid-stream: filtered-products is exactly the unbanned catalog',
    { timeout: 240_000 },
    async () => {
      const prefix = `shop-${randomUUID().slice(0, 8)}.`;
      const config = loadConfig({ PULSE_TOPIC_PREFIX: prefix, PULSE_PARTITIONS: '3' });
      const topics = topicNames(prefix);
      const bus = newBus('filter');
      try {
        await bus.ensureTopics(shopTopicSpecs(config));
        await runFilterScenario({
          bus,
          topics,
          timeoutMs: 90_000,
          // The second member is a real `pulse shop filter` process, killed without a chance to leave the group.
          startSecond: async () => {
            const port = await freePort();
            const child = spawnPulse(['shop', 'filter'], {
              PULSE_KAFKA_BROKERS: kafkaBrokers,
              PULSE_TOPIC_PREFIX: prefix,
              PULSE_PORT: String(port),
              PULSE_LOG_LEVEL: 'warn',
            });
            await waitFor(
              async () => ((await fetch(`http://127.0.0.1:${port}/ready`)).ok ? true : undefined),
              'pulse shop filter ready',
              60_000,
            ).catch((error: unknown) => {
              throw new Error(`${String(error)}\n${child.output()}`);
            });
            return {
              kill: async () => {
                if (child.child.exitCode !== null || child.child.signalCode !== null) return;
                const exited = new Promise((resolve) => child.child.once('exit', resolve));
                child.child.kill('SIGKILL');
                await exited;
              },
            };
          },
        });
      } finally {
        await bus.close();
        await deleteKafkaTopics(shopTopicSpecs(config).map((spec) => spec.name));
      }
    },
  );

  test(
    'the pipeline on OpenSearch: category figures in recommendations, client queries in the topic and the index, recommendations from searches',
    { timeout: 240_000 },
    async () => {
      const prefix = `shopos-${randomUUID().slice(0, 8)}.`;
      const config = loadConfig({ PULSE_TOPIC_PREFIX: prefix, PULSE_PARTITIONS: '3' });
      const topics = topicNames(prefix);
      const bus = newBus('pipeline');
      const indexPrefix = prefix.replace(/[^a-z0-9_]/g, '_');
      const index = createOpenSearchIndex({ node: opensearchUrl, prefix: indexPrefix });
      let pipeline: Awaited<ReturnType<typeof startShopPipeline>> | undefined;
      try {
        await bus.ensureTopics(shopTopicSpecs(config));
        await index.migrate();
        pipeline = await startShopPipeline({
          bus,
          index,
          topics,
          logger: quietLogger,
          workerOptions: { bus, logger: quietLogger, batchSize: 200, pollWaitMs: 100 },
        });
        const shop = createShopService({ bus, index, topics });
        const catalog = await loadSampleCatalog();
        await shop.ban('brand', 'FakeBrand');
        await shop.ban('pattern', '*replica*');
        await shop.publishProducts(catalog);
        const unbanned = catalog.filter((p) => p.brand !== 'FakeBrand' && !/replica/i.test(p.name));

        // The index equals the filtered catalog.
        await waitFor(
          async () => ((await index.countProducts()) === unbanned.length ? true : undefined),
          'the index to hold the unbanned catalog',
          120_000,
        );
        for (const p of catalog.filter((p) => p.brand === 'FakeBrand'))
          assert.equal(await index.getProduct(p.product_id), null, `${p.product_id} not indexed`);

        // Category figures on `recommendations` equal those computed from the catalog minus the banned products.
        const expected = categoryFigures(unbanned);
        const readFigures = async () => {
          const table = await followTopicTable<Record<string, unknown>>({
            bus,
            topic: topics.recommendations,
            groupPrefix: `${prefix}test-figures`,
            decode: (record) => JSON.parse(record.value.toString('utf8')) as Record<string, unknown>,
            idlePollsUntilReady: 10,
          });
          await table.ready;
          const rows = [...table.entries()].map(([, value]) => value);
          await table.close();
          return rows;
        };
        let figures: Record<string, unknown>[] = [];
        await waitFor(
          async () => {
            figures = await readFigures();
            const stripped = figures
              .map(({ timestamp: _t, ...rest }) => rest)
              .sort((a, b) => String(a['category']).localeCompare(String(b['category']), 'en'));
            const want = [...expected].sort((a, b) => a.category.localeCompare(b.category, 'en'));
            return JSON.stringify(stripped) === JSON.stringify(want) ? true : undefined;
          },
          'recommendations to carry the figures of the unbanned catalog',
          60_000,
        ).catch((error: unknown) => {
          throw new Error(`${String(error)}: ${JSON.stringify(figures).slice(0, 2000)} vs ${JSON.stringify(expected).slice(0, 2000)}`);
        });
        for (const figure of figures) {
          assert.deepEqual(Object.keys(figure).sort(), ['avg_price', 'category', 'product_count', 'timestamp', 'total_available']);
          assert.ok(!Number.isNaN(Date.parse(String(figure['timestamp']))));
        }
        assert.deepEqual(await index.categoryFigures(), expected);

        // Searches and a recommendation; every query lands on client-queries and in client_queries.
        const user = `user-${randomUUID().slice(0, 6)}`;
        const watches = await shop.search({ q: 'часы', userId: user });
        assert.ok(
          watches.hits.slice(0, 3).every((hit) => hit.product.name.includes('часы')),
          'name matches first',
        );
        const phones = await shop.search({ q: 'смартфн', userId: user });
        assert.ok(
          phones.hits.some((hit) => hit.product.category === 'Смартфоны'),
          'a typo still finds smartphones',
        );
        const nothing = await shop.search({ q: 'zzzxqv', userId: user });
        assert.equal(nothing.total, 0);
        await waitFor(async () => ((await index.recentQueries(user, 10)).length === 3 ? true : undefined), 'the searches indexed', 60_000);
        const recommendation = await shop.recommend(user, 10);
        assert.equal(recommendation.basis, 'searches');
        const searched = new Set([...watches.hits, ...phones.hits].map((hit) => hit.product.category));
        assert.ok(recommendation.products.length > 0);
        for (const product of recommendation.products) {
          assert.ok(searched.has(product.category), `${product.name} (${product.category}) is from a searched category`);
          assert.notEqual(product.brand, 'FakeBrand');
        }

        const records = await readTopicSince(bus, topics.clientQueries, new Map(), 4, { timeoutMs: 60_000 });
        const mine = records.map((r) => JSON.parse(r.value.toString('utf8')) as ClientQuery).filter((q) => q.data.user_id === user);
        assert.deepEqual(
          mine.map((q) => [q.type, q.data.action, q.data.query]).sort(),
          [
            ['recommend', 'recommend', ''],
            ['search', 'search', 'zzzxqv'],
            ['search', 'search', 'смартфн'],
            ['search', 'search', 'часы'],
          ].sort(),
        );
        for (const q of mine) {
          assert.deepEqual(Object.keys(q).sort(), ['data', 'timestamp', 'type']);
          assert.ok(!Number.isNaN(Date.parse(q.timestamp)));
        }
        await waitFor(async () => ((await index.recentQueries(user, 10)).length === 4 ? true : undefined), 'every query indexed', 60_000);
        const indexed = await index.recentQueries(user, 10);
        assert.deepEqual(indexed.map((q) => q.data.query).sort(), ['', 'zzzxqv', 'смартфн', 'часы'].sort());
      } finally {
        await pipeline?.close();
        await bus.close();
        await index.close();
        await deleteKafkaTopics(shopTopicSpecs(config).map((spec) => spec.name));
      }
    },
  );
});
