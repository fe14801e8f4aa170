import type { Bus, OutgoingRecord } from '../bus/bus.ts';
import { followTopicTable } from '../bus/topic-table.ts';
import type { TopicNames } from '../bus/topics.ts';
import type { Logger } from '../shared/logger.ts';
import { categoryFigures } from './category-figures.ts';
import { validateProduct, type Product } from './product.ts';
import type { ShopMetrics } from './shop-metrics.ts';

/**
 * Seed 003's analytics: per-category figures (`category`, `product_count`, `avg_price`,
 * `total_available`, `timestamp`) on `recommendations`, keyed by category, recomputed whenever
 * the filtered catalog changes. It reads the whole of `filtered-products` (a compacted topic) so
 * its figures cover every partition; a category left with no product gets a tombstone.
 */
export interface CategoryPublisher {
  readonly ready: Promise<void>;
  /** Records published so far. */
  published(): number;
  close(): Promise<void>;
}

export interface CategoryPublisherOptions {
  bus: Bus;
  topics: TopicNames;
  logger: Logger;
  /** Changes are gathered for this long before figures are published (default 500 ms). */
  intervalMs?: number | undefined;
  now?: () => Date;
  metrics?: ShopMetrics | undefined;
}

export async function startCategoryPublisher(options: CategoryPublisherOptions): Promise<CategoryPublisher> {
  const { bus, topics, logger } = options;
  options.metrics?.categoryFiguresPublished.inc(0);
  const byCategory = new Map<string, Map<string, Product>>();
  const dirty = new Set<string>();
  let published = 0;

  const previousCategories = await followTopicTable<true>({
    bus,
    topic: topics.recommendations,
    groupPrefix: `${topics.prefix}pulse-shop-analytics`,
    decode: () => true,
    onError: (error) => logger.warn({ err: error }, 'reading recommendations failed'),
  });
  const catalog = await followTopicTable<Product>({
    bus,
    topic: topics.filteredProducts,
    groupPrefix: `${topics.prefix}pulse-shop-analytics`,
    decode: (record) => {
      const outcome = validateProduct(JSON.parse(record.value.toString('utf8')) as unknown);
      return outcome.kind === 'ok' ? outcome.value : undefined;
    },
    onChange: (id, product, previous) => {
      if (previous !== undefined) {
        byCategory.get(previous.category)?.delete(id);
        dirty.add(previous.category);
      }
      if (product !== undefined) {
        const members = byCategory.get(product.category) ?? new Map<string, Product>();
        members.set(id, product);
        byCategory.set(product.category, members);
        dirty.add(product.category);
      }
    },
    onError: (error) => logger.warn({ err: error }, 'reading filtered-products failed'),
  });
  const ready = Promise.all([previousCategories.ready, catalog.ready]).then(async () => {
    // Categories published by an earlier run that no longer have products are cleared too.
    for (const [category] of previousCategories.entries()) dirty.add(category);
    await previousCategories.close();
  });

  const publish = async (): Promise<void> => {
    const categories = [...dirty];
    dirty.clear();
    const timestamp = (options.now?.() ?? new Date()).toISOString();
    const records: OutgoingRecord[] = categories.map((category) => {
      const members = byCategory.get(category);
      const [figure] = members === undefined || members.size === 0 ? [] : categoryFigures(members.values());
      return figure === undefined
        ? { topic: topics.recommendations, key: category, value: null }
        : { topic: topics.recommendations, key: category, value: JSON.stringify({ ...figure, timestamp }) };
    });
    try {
      await bus.produce(records);
      published += records.length;
      options.metrics?.categoryFiguresPublished.inc(records.length);
    } catch (error) {
      for (const category of categories) dirty.add(category);
      throw error;
    }
  };

  let running = true;
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const loop = (async () => {
    await Promise.race([ready, stopped]);
    while (running) {
      if (dirty.size > 0) {
        await publish().catch((error: unknown) => logger.warn({ err: error }, 'publishing category figures failed; retrying'));
      }
      await Promise.race([new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500)), stopped]);
    }
  })();

  return {
    ready,
    published: () => published,
    async close() {
      running = false;
      stop();
      await loop;
      await Promise.all([catalog.close(), previousCategories.close()]);
    },
  };
}
