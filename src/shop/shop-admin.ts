import type { Bus } from '../bus/bus.ts';
import { followTopicTable } from '../bus/topic-table.ts';
import type { TopicNames } from '../bus/topics.ts';
import { badRequest } from '../shared/errors.ts';
import { banKey, newBanRule, parseBanRule, type BanKind, type BanRule } from './ban-rules.ts';
import type { Product } from './product.ts';

/** The shop's operations on the bus: publishing the catalog and managing the ban list. */
export interface ShopAdmin {
  /** Publishes products to `products`, keyed by product id; returns how many. */
  publishProducts(products: readonly Product[]): Promise<number>;
  ban(kind: BanKind, value: string, reason?: string): Promise<BanRule>;
  /** Lifts a ban (a tombstone on `banned-products`); false when there was none. */
  unban(kind: BanKind, value: string): Promise<boolean>;
  /** The current list, read from the compacted topic. */
  bans(): Promise<BanRule[]>;
}

export function busShopAdmin(bus: Bus, topics: TopicNames, now: () => Date = () => new Date()): ShopAdmin {
  const readBans = async (): Promise<Map<string, BanRule>> => {
    const table = await followTopicTable<BanRule>({
      bus,
      topic: topics.bannedProducts,
      groupPrefix: `${topics.prefix}pulse-shop-bans`,
      decode: (record) => parseBanRule(record.value),
      idlePollsUntilReady: 8,
    });
    try {
      await table.ready;
      return new Map(table.entries());
    } finally {
      await table.close();
    }
  };
  return {
    async publishProducts(products) {
      for (let i = 0; i < products.length; i += 1000) {
        const chunk = products.slice(i, i + 1000);
        await bus.produce(chunk.map((product) => ({ topic: topics.products, key: product.product_id, value: JSON.stringify(product) })));
      }
      return products.length;
    },
    async ban(kind, value, reason) {
      const outcome = newBanRule(kind, value, reason, now());
      if (outcome.kind !== 'ok') throw badRequest('invalid_ban', outcome.reason);
      await bus.produce([{ topic: topics.bannedProducts, key: banKey(kind, value), value: JSON.stringify(outcome.value) }]);
      return outcome.value;
    },
    async unban(kind, value) {
      const key = banKey(kind, value);
      const existed = (await readBans()).has(key);
      await bus.produce([{ topic: topics.bannedProducts, key, value: null }]);
      return existed;
    },
    bans: async () => [...(await readBans()).values()],
  };
}
