import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Bus, BusRecord } from '../../src/bus/bus.ts';
import { createKafkaBus } from '../../src/bus/kafka/kafka-bus.ts';
import { followTopicTable } from '../../src/bus/topic-table.ts';
import { shopTopicSpecs, topicNames } from '../../src/bus/topics.ts';
import { loadConfig } from '../../src/config/config.ts';
import { startShopPipeline } from '../../src/runtime/shop.ts';
import { FILTER_GROUP } from '../../src/shop/banned-filter.ts';
import { categoryFigures } from '../../src/shop/category-figures.ts';
import { loadSampleCatalog } from '../../src/shop/catalog/read-catalog.ts';
import type { Product } from '../../src/shop/product.ts';
import { searchProductsGroup } from '../../src/shop/search-sink.ts';
import { createShopService } from '../../src/shop/shop-service.ts';
import { createOpenSearchIndex, type OpenSearchIndex } from '../../src/stores/search/opensearch/index.ts';
import { versionedName } from '../../src/stores/search/opensearch/mappings.ts';
import type { ClientQuery } from '../../src/stores/search/search-index.ts';
import { endOffsets, readTopicSince } from '../helpers/read-topic.ts';
import { deleteKafkaTopics } from '../helpers/kafka-topics.ts';
import { kafkaBrokers, spawnPulse, waitFor, freePort, type PulseProcess } from '../helpers/services.ts';
import { quietLogger, runFilterScenario } from '../helpers/shop-filter-scenario.ts';

const opensearchUrl = process.env['PULSE_OPENSEARCH_URL'] ?? 'http://127.0.0.1:19200';
const newBus = (name: string): Bus => createKafkaBus({ brokers: kafkaBrokers.split(','), clientId: `test-shop-${name}` });
/** The index prefix Pulse derives from a topic prefix (src/runtime/adapters.ts). */
const indexPrefixOf = (topicPrefix: string): string => topicPrefix.replace(/[^a-z0-9_]/g, '_');

/** Deletes a test's two indexes (the concrete `<alias>_v1` behind each alias): Pulse never deletes them, only tests do. */
async function deleteIndexes(index: OpenSearchIndex): Promise<void> {
  const names = [index.names.products, index.names.queries].map(versionedName).join(',');
  const response = await fetch(`${opensearchUrl}/${names}?ignore_unavailable=true`, { method: 'DELETE' });
  if (!response.ok) throw new Error(`deleting ${names}: ${response.status} ${await response.text()}`);
}

/** A document read from OpenSearch over HTTP (`GET <index>/_doc/<id>`), as stored. */
interface RawDocument {
  status: number;
  found?: boolean;
  _id?: string;
  _source?: Record<string, unknown>;
}

async function rawDocument(alias: string, id: string): Promise<RawDocument> {
  const response = await fetch(`${opensearchUrl}/${alias}/_doc/${encodeURIComponent(id)}`);
  return { ...((await response.json()) as Omit<RawDocument, 'status'>), status: response.status };
}

/** The hits of a `_search` over HTTP, as stored. */
async function rawSearch(alias: string, body: object): Promise<{ _id: string; _source: Record<string, unknown> }[]> {
  const response = await fetch(`${opensearchUrl}/${alias}/_search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`_search on ${alias}: ${response.status} ${text}`);
  return (JSON.parse(text) as { hits: { hits: { _id: string; _source: Record<string, unknown> }[] } }).hits.hits;
}

/** The type OpenSearch mapped a top-level field of `alias` to. */
async function mappedType(alias: string, field: string): Promise<string | undefined> {
  const response = await fetch(`${opensearchUrl}/${alias}/_mapping`);
  const body = (await response.json()) as Record<string, { mappings: { properties: Record<string, { type?: string }> } }>;
  const [only, ...more] = Object.values(body);
  assert.equal(more.length, 0, `${alias} is one index`);
  return only?.mappings.properties[field]?.type;
}

const isoDate = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
function assertIsoDate(value: unknown, what: string): void {
  assert.ok(
    typeof value === 'string' && isoDate.test(value) && !Number.isNaN(Date.parse(value)),
    `${what} is an ISO date: ${String(value)}`,
  );
}

/** A stored `filtered_products` document: seed 003's product (`price`, `stock` nested), Pulse's tags and updated_at, and `@timestamp`. */
function assertProductDocument(document: RawDocument, product: Product): void {
  assert.equal(document.status, 200, `${product.product_id} is in the index: ${JSON.stringify(document)}`);
  assert.equal(document.found, true);
  assert.equal(document._id, product.product_id);
  const source = document._source ?? {};
  const seedFields = ['product_id', 'name', 'description', 'price', 'category', 'brand', 'stock', '@timestamp'];
  assert.deepEqual(Object.keys(source).sort(), [...seedFields, 'tags', 'updated_at'].sort());
  assert.deepEqual(Object.keys(source['price'] as object).sort(), ['amount', 'currency']);
  assert.deepEqual(Object.keys(source['stock'] as object).sort(), ['available', 'reserved']);
  assertIsoDate(source['@timestamp'], `${product.product_id}'s @timestamp`);
  assert.deepEqual(source, { ...product, '@timestamp': product.updated_at });
}

/** Not in the index: `GET <index>/_doc/<id>` answers 404 with `found: false` (not a missing index). */
function assertNoDocument(document: RawDocument, id: string): void {
  assert.equal(document.status, 404, `${id} is not in the index: ${JSON.stringify(document)}`);
  assert.equal(document.found, false);
}

/** Every record of `topic`, read from the start with a group of its own up to the end offsets of when it began. */
async function readWholeTopic(bus: Bus, topic: string, groupPrefix: string): Promise<BusRecord[]> {
  const ends = await endOffsets(bus, topic);
  const subscription = await bus.subscribe({ group: `${groupPrefix}-${randomUUID()}`, topics: [topic], from: 'earliest' });
  const records: BusRecord[] = [];
  const next = new Map<number, number>();
  try {
    await waitFor(
      async () => {
        for (const record of await subscription.poll(1000, 200)) {
          records.push(record);
          next.set(record.partition, record.offset + 1);
        }
        return [...ends].every(([partition, end]) => (next.get(partition) ?? 0) >= end) ? true : undefined;
      },
      `${topic} read to its end`,
      60_000,
    );
  } finally {
    await subscription.close();
  }
  return records;
}

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
      const index = createOpenSearchIndex({ node: opensearchUrl, prefix: indexPrefixOf(prefix) });
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
        await deleteIndexes(index);
      }
    },
  );

  test(
    'a product banned while `pulse shop filter` runs leaves filtered-products and the OpenSearch index; the stored documents have seed 003’s shape',
    { timeout: 300_000 },
    async () => {
      const run = randomUUID().slice(0, 8);
      const prefix = `shopban-${run}.`;
      const config = loadConfig({ PULSE_TOPIC_PREFIX: prefix, PULSE_PARTITIONS: '3' });
      const topics = topicNames(prefix);
      const bus = newBus('late-ban');
      // The test's own client on the indexes `pulse worker search` writes (the same prefix, derived from the topic prefix).
      const index = createOpenSearchIndex({ node: opensearchUrl, prefix: indexPrefixOf(prefix) });
      const processes: PulseProcess[] = [];
      const env = {
        PULSE_KAFKA_BROKERS: kafkaBrokers,
        PULSE_TOPIC_PREFIX: prefix,
        PULSE_PARTITIONS: '3',
        PULSE_OPENSEARCH_URL: opensearchUrl,
        PULSE_LOG_LEVEL: 'warn',
      };
      const start = async (args: string[]): Promise<void> => {
        const port = await freePort();
        const child = spawnPulse(args, { ...env, PULSE_PORT: String(port) });
        processes.push(child);
        await waitFor(
          async () => {
            if (child.child.exitCode !== null || child.child.signalCode !== null) throw new Error(`pulse ${args.join(' ')} exited`);
            return (await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined))?.ok === true ? true : undefined;
          },
          `pulse ${args.join(' ')} ready`,
          90_000,
        ).catch((error: unknown) => {
          throw new Error(`${String(error)}\n${child.output()}`);
        });
      };
      /** Every partition of `topic` committed by `group` up to its end. */
      const drained = async (group: string, topic: string): Promise<boolean> =>
        (await bus.groupLag(group, [topic])).every((partition) => partition.lag === 0);
      /** The filter has judged everything on `products`, then the search worker has applied everything on `filtered-products`. */
      const pipelineDrained = async (): Promise<boolean> =>
        (await drained(`${prefix}${FILTER_GROUP}`, topics.products)) &&
        (await drained(`${prefix}${searchProductsGroup('opensearch')}`, topics.filteredProducts));
      const filteredRecords = async (id: string): Promise<BusRecord[]> =>
        (await readWholeTopic(bus, topics.filteredProducts, `${prefix}test-raw`)).filter((record) => record.key === id);
      const ids = async (q: string): Promise<string[]> =>
        (await index.search({ q, limit: 100 })).hits.map((hit) => hit.product.product_id).sort();

      const product = (role: string, name: string, brand: string, amount: number): Product => ({
        product_id: `p-${role}-${run}`,
        name,
        description: `${name}: шагомер и пульсометр`,
        price: { amount, currency: 'RUB' },
        category: 'Носимые устройства',
        brand,
        stock: { available: 12, reserved: 2 },
        tags: ['watch', role],
        updated_at: new Date().toISOString(),
      });
      const kept = product('kept', 'Умные часы Keeper', 'GoodBrand', 4999.99);
      const late = product('late', 'Умные часы Latecomer', 'GoodBrand', 5999.5);
      const fake = product('fake', 'Умные часы Counterfeit', 'FakeBrand', 999);
      const nextVersion = (p: Product): Product => ({
        ...p,
        price: { ...p.price, amount: p.price.amount + 1 },
        updated_at: new Date(Date.parse(p.updated_at) + 60_000).toISOString(),
      });

      try {
        await bus.ensureTopics(shopTopicSpecs(config));
        const shop = createShopService({ bus, index, topics });
        await shop.ban('brand', 'FakeBrand', 'counterfeits');
        await Promise.all([start(['shop', 'filter']), start(['worker', 'search'])]);
        await shop.publishProducts([kept, late, fake]);

        // 1. The unbanned products are indexed; the brand banned before they were published never reached the topic or the index.
        await waitFor(
          async () =>
            (await pipelineDrained()) &&
            (await rawDocument(index.names.products, kept.product_id)).found === true &&
            (await rawDocument(index.names.products, late.product_id)).found === true
              ? true
              : undefined,
          'the filter and the search worker to index the unbanned products',
          120_000,
        );
        assertProductDocument(await rawDocument(index.names.products, kept.product_id), kept);
        assertProductDocument(await rawDocument(index.names.products, late.product_id), late);
        assertNoDocument(await rawDocument(index.names.products, fake.product_id), fake.product_id);
        assert.equal(await mappedType(index.names.products, '@timestamp'), 'date');
        assert.equal(await mappedType(index.names.queries, '@timestamp'), 'date');
        const fakeRecords = await filteredRecords(fake.product_id);
        assert.ok(fakeRecords.length >= 1, 'the filter judged the pre-banned product');
        assert.ok(
          fakeRecords.every((record) => record.tombstone === true),
          'the pre-banned product never passed to filtered-products',
        );
        const user = `user-${run}`;
        const before = await shop.search({ q: 'часы', userId: user });
        assert.deepEqual(before.hits.map((hit) => hit.product.product_id).sort(), [kept.product_id, late.product_id].sort());
        assert.deepEqual(await ids('Latecomer'), [late.product_id]);

        // 2. Banned while the filter runs: withdrawn from filtered-products, then deleted from the index.
        await shop.ban('id', late.product_id, 'banned while the filter runs');
        await waitFor(
          async () =>
            (await rawDocument(index.names.products, late.product_id)).status === 404 &&
            (await ids('Latecomer')).length === 0 &&
            !(await ids('часы')).includes(late.product_id)
              ? true
              : undefined,
          'the late-banned product to leave the index',
          120_000,
        );
        assertNoDocument(await rawDocument(index.names.products, late.product_id), late.product_id);
        assertProductDocument(await rawDocument(index.names.products, kept.product_id), kept);
        assert.deepEqual(await ids('часы'), [kept.product_id]);
        assert.equal(await index.getProduct(late.product_id), null);
        const after = await shop.search({ q: 'часы', userId: user });
        assert.deepEqual(
          after.hits.map((hit) => hit.product.product_id),
          [kept.product_id],
        );
        assert.equal((await shop.search({ q: 'Latecomer', userId: user })).total, 0);

        // 3. New versions of all three: the banned ones stay out, the unbanned one is updated.
        const [kept2, late2, fake2] = [nextVersion(kept), nextVersion(late), nextVersion(fake)];
        await shop.publishProducts([late2, fake2, kept2]);
        await waitFor(
          async () => ((await pipelineDrained()) ? true : undefined),
          'the filter and the search worker to take the new versions',
          120_000,
        );
        assertProductDocument(await rawDocument(index.names.products, kept.product_id), kept2);
        assertNoDocument(await rawDocument(index.names.products, late.product_id), late.product_id);
        assertNoDocument(await rawDocument(index.names.products, fake.product_id), fake.product_id);
        assert.equal(await index.countProducts(), 1);
        assert.deepEqual(await ids('часы'), [kept.product_id]);

        // On filtered-products: the late product passed once (before its ban), then only tombstones (the withdrawal, the judged new version).
        const lateRecords = await filteredRecords(late.product_id);
        const firstTombstone = lateRecords.findIndex((record) => record.tombstone === true);
        assert.ok(firstTombstone >= 1, `the late product passed, then was withdrawn: ${lateRecords.length} records`);
        for (const record of lateRecords.slice(0, firstTombstone)) assert.deepEqual(JSON.parse(record.value.toString('utf8')), late);
        assert.ok(lateRecords.length - firstTombstone >= 2, 'the withdrawal and the new version’s tombstone');
        assert.ok(
          lateRecords.slice(firstTombstone).every((record) => record.tombstone === true),
          'nothing of the late product passed after its ban',
        );
        const fakeAll = await filteredRecords(fake.product_id);
        assert.ok(fakeAll.length >= 2 && fakeAll.every((record) => record.tombstone === true), 'the pre-banned product never passed');
        const keptRecords = await filteredRecords(kept.product_id);
        assert.deepEqual(JSON.parse(keptRecords.at(-1)?.value.toString('utf8') ?? 'null'), kept2);

        // 4. A recommendation from the searches has the unbanned product only.
        const queried = (): Promise<{ _id: string; _source: Record<string, unknown> }[]> =>
          rawSearch(index.names.queries, { query: { term: { 'data.user_id': user } }, size: 20 });
        await waitFor(async () => ((await queried()).length === 3 ? true : undefined), 'the searches in client_queries', 60_000);
        const recommendation = await shop.recommend(user, 10);
        assert.equal(recommendation.basis, 'searches');
        assert.deepEqual(
          recommendation.products.map((p) => p.product_id),
          [kept.product_id],
        );

        // 5. The stored client_queries documents: seed 003's {type, data: {action, query, user_id}, timestamp} plus `@timestamp`.
        await waitFor(async () => ((await queried()).length === 4 ? true : undefined), 'every query in client_queries', 60_000);
        const documents = await queried();
        const ownId = new RegExp(`^${topics.clientQueries.replaceAll('.', '\\.')}-\\d+-\\d+$`);
        for (const { _id, _source: source } of documents) {
          assert.match(_id, ownId, 'one document per client-queries record');
          assert.deepEqual(Object.keys(source).sort(), ['@timestamp', 'data', 'timestamp', 'type']);
          const data = source['data'] as Record<string, unknown>;
          // action, query, user_id are the seed's; results (how many products were found) is Pulse's extension.
          assert.deepEqual(Object.keys(data).sort(), ['action', 'query', 'results', 'user_id']);
          assert.equal(data['action'], source['type']);
          assert.equal(data['user_id'], user);
          assertIsoDate(source['timestamp'], 'a query’s timestamp');
          assertIsoDate(source['@timestamp'], 'a query’s @timestamp');
          assert.equal(source['@timestamp'], source['timestamp']);
        }
        assert.deepEqual(
          documents
            .map(({ _source: source }) => {
              const data = source['data'] as Record<string, unknown>;
              return `${String(source['type'])}|${String(data['query'])}|${String(data['results'])}`;
            })
            .sort(),
          ['recommend||1', 'search|Latecomer|0', 'search|часы|1', 'search|часы|2'].sort(),
        );
      } finally {
        await Promise.all(processes.map((child) => child.stop()));
        await bus.close();
        await index.close();
        await deleteKafkaTopics(shopTopicSpecs(config).map((spec) => spec.name));
        await deleteIndexes(index);
      }
    },
  );
});
