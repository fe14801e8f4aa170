import type { Bus, OutgoingRecord } from '../bus/bus.ts';
import type { TopicNames } from '../bus/topics.ts';
import { PulseError, errorCodes, withTimeout } from '../shared/errors.ts';
import type { WorkerDefinition } from '../workers/worker-runner.ts';
import type { BanWatch } from './ban-watch.ts';
import { decodeProductChange, type ProductChange } from './product-change.ts';

export const FILTER_GROUP = 'pulse-shop-filter';

/**
 * The banned-products filter (seed 003): `products` → `filtered-products`. A product that is not
 * banned passes as it is; a banned one becomes a tombstone, which also withdraws any earlier
 * version that passed before the ban. Members of one group share the partitions; each has the
 * whole ban list (see ban-watch.ts).
 */
export function bannedFilter(bus: Bus, watch: BanWatch, topics: TopicNames): WorkerDefinition<ProductChange> {
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
      const records: OutgoingRecord[] = changes.map((change) => {
        if (change.kind === 'delete') return { topic: topics.filteredProducts, key: change.productId, value: null };
        const banned = watch.bans.banning(change.product) !== undefined;
        return {
          topic: topics.filteredProducts,
          key: change.product.product_id,
          value: banned ? null : JSON.stringify(change.product),
        };
      });
      await bus.produce(records);
    },
    eventTime: (change) => (change.kind === 'upsert' ? Date.parse(change.product.updated_at) : Date.now()),
  };
}
