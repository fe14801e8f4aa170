import type { Bus, OutgoingRecord } from '../bus/bus.ts';
import { followTopicTable, type TopicTable } from '../bus/topic-table.ts';
import type { TopicNames } from '../bus/topics.ts';
import type { Logger } from '../shared/logger.ts';
import { BanList, parseBanRule, type BanRule } from './ban-rules.ts';
import { validateProduct, type Product } from './product.ts';
import type { ShopMetrics } from './shop-metrics.ts';

/**
 * What a banned-products filter instance knows besides its share of `products`: the whole ban list
 * (from `banned-products`) and the products already let through (from `filtered-products`). A ban
 * that arrives after its product passed withdraws it with a tombstone — whichever of the two comes
 * last triggers the withdrawal, so every instance converges however the records interleave. Two
 * instances may both withdraw a product; tombstones are idempotent.
 */
export interface BanWatch {
  readonly bans: BanList;
  /** Both topics read up to where they were when the watch started. */
  readonly ready: Promise<void>;
  /** Withdrawals produced so far (for status and tests). */
  withdrawn(): number;
  close(): Promise<void>;
}

export interface BanWatchOptions {
  bus: Bus;
  topics: TopicNames;
  logger: Logger;
  /** Back-off between attempts while producing withdrawals fails. */
  retryMs?: number | undefined;
  /** Withdrawals and the ban list size. */
  metrics?: ShopMetrics | undefined;
}

export async function watchBans(options: BanWatchOptions): Promise<BanWatch> {
  const { bus, topics, logger } = options;
  options.metrics?.banRules.set(0);
  options.metrics?.withdrawals.inc(0);
  const bans = new BanList();
  const pending = new Set<string>();
  let live = false;
  let withdrawn = 0;
  // Assigned once both tables are open; a ban seen before that is swept when the watch becomes ready.
  let passed: TopicTable<Product> | undefined = undefined;

  const consider = (product: Product): void => {
    if (live && bans.banning(product) !== undefined) pending.add(product.product_id);
  };
  const sweep = (): void => {
    if (passed === undefined) return;
    for (const [, product] of passed.entries()) consider(product);
  };

  const banTable = await followTopicTable<BanRule>({
    bus,
    topic: topics.bannedProducts,
    groupPrefix: `${topics.prefix}pulse-shop-bans`,
    decode: (record) => parseBanRule(record.value),
    onChange: (key, rule) => {
      bans.set(key, rule);
      options.metrics?.banRules.set(bans.size);
      if (rule !== undefined) sweep();
    },
    onError: (error) => logger.warn({ err: error }, 'reading banned-products failed'),
  });
  passed = await followTopicTable<Product>({
    bus,
    topic: topics.filteredProducts,
    groupPrefix: `${topics.prefix}pulse-shop-passed`,
    decode: (record) => {
      const outcome = validateProduct(JSON.parse(record.value.toString('utf8')) as unknown);
      return outcome.kind === 'ok' ? outcome.value : undefined;
    },
    onChange: (_key, product) => {
      if (product !== undefined) consider(product);
    },
    onError: (error) => logger.warn({ err: error }, 'reading filtered-products failed'),
  });
  const ready = Promise.all([banTable.ready, passed.ready]).then(() => {
    live = true;
    sweep();
  });

  let running = true;
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const flusher = (async () => {
    await Promise.race([ready, stopped]);
    while (running) {
      if (pending.size > 0) {
        const ids = [...pending];
        const records: OutgoingRecord[] = ids.map((id) => ({ topic: topics.filteredProducts, key: id, value: null }));
        try {
          await bus.produce(records);
          for (const id of ids) pending.delete(id);
          withdrawn += ids.length;
          options.metrics?.withdrawals.inc(ids.length);
          logger.info({ products: ids.length }, 'banned products withdrawn from filtered-products');
        } catch (error) {
          logger.warn({ err: error }, 'withdrawing banned products failed; retrying');
          await Promise.race([sleep(options.retryMs ?? 1000), stopped]);
          continue;
        }
      }
      await sleep(100);
    }
  })();

  return {
    bans,
    ready,
    withdrawn: () => withdrawn,
    async close() {
      running = false;
      stop();
      await flusher.catch(() => undefined);
      await Promise.all([banTable.close(), passed.close()]);
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
