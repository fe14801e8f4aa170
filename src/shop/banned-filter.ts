import type { Bus, OutgoingRecord } from '../bus/bus.ts';
import type { TopicNames } from '../bus/topics.ts';
import { PulseError, errorCodes, withTimeout } from '../shared/errors.ts';
import type { WorkerDefinition } from '../workers/worker-runner.ts';
import type { BanWatch } from './ban-watch.ts';
import { decodeProductChange, type ProductChange } from './product-change.ts';
import type { ShopMetrics } from './shop-metrics.ts';

export const FILTER_GROUP = 'pulse-shop-filter';

/**
 * The banned-products filter (seed 003): `products` → `filtered-products`. A product that is not
 * banned passes as it is; a banned one becomes a tombstone, which also withdraws any earlier
 * version that passed before the ban. Members of one group share the partitions; each has the
 * whole ban list (see ban-watch.ts).
 */
export function bannedFilter(bus: Bus, watch: BanWatch, topics: TopicNames, metrics?: ShopMetrics): WorkerDefinition<ProductChange> {
  void metrics?.filterProducts; // exported (at 0) from the start
  return {
    name: 'shop-filter',
    group: `${topics.prefix}${FILTER_GROUP}`,
    topics: [topics.products],
    decode: decodeProductChange,
    sink: async (changes) => {
      // Never judge a product against a partial ban list; a retriable error lets the runner back off (and stop).
      await withTimeout(
        watch.ready,
        5000,
        () => new PulseError(errorCodes.BUS_UNAVAILABLE, 'the ban list is still being read from banned-products'),
      );
      let deleted = 0;
      let banned = 0;
      const records: OutgoingRecord[] = changes.map((change) => {
        if (change.kind === 'delete') {
          deleted += 1;
          return { topic: topics.filteredProducts, key: change.productId, value: null };
        }
        const isBanned = watch.bans.banning(change.product) !== undefined;
        if (isBanned) banned += 1;
        return {
          topic: topics.filteredProducts,
          key: change.product.product_id,
          value: isBanned ? null : JSON.stringify(change.product),
        };
      });
      await bus.produce(records);
      if (metrics !== undefined) {
        metrics.filterProducts.inc({ outcome: 'passed' }, changes.length - deleted - banned);
        metrics.filterProducts.inc({ outcome: 'banned' }, banned);
        metrics.filterProducts.inc({ outcome: 'deleted' }, deleted);
      }
    },
    eventTime: (change) => (change.kind === 'upsert' ? Date.parse(change.product.updated_at) : Date.now()),
  };
}
