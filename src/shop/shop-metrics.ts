import { Counter, Gauge, type Registry } from 'prom-client';
import { metricOn } from '../shared/metrics.ts';

/** outcome of a product change through the banned-products filter. */
export const filterOutcomes = ['passed', 'banned', 'deleted'] as const;
export type FilterOutcome = (typeof filterOutcomes)[number];

/**
 * The marketplace's figures (no product ids, categories or rule values as labels). Each metric is
 * registered when a part first uses it, so a process exports only the figures of the parts it runs
 * (the analytics process has no filter counts at 0).
 */
export interface ShopMetrics {
  /** `pulse_shop_filter_products_total{outcome}`: {@link filterOutcomes}. */
  readonly filterProducts: Counter<'outcome'>;
  /** `pulse_shop_withdrawals_total`: tombstones for products that passed before a ban. */
  readonly withdrawals: Counter;
  /** `pulse_shop_category_figures_published_total`: records (figures and tombstones) on `recommendations`. */
  readonly categoryFiguresPublished: Counter;
  /** `pulse_shop_ban_rules`: rules in the ban list as this process knows it. */
  readonly banRules: Gauge;
}

/** The shop's metrics on `registry`; several calls on the same registry share the same metrics. */
export function createShopMetrics(registry: Registry): ShopMetrics {
  const counter = (name: string, help: string): Counter =>
    metricOn(registry, name, () => new Counter({ name, help, registers: [registry] }));
  return {
    get filterProducts() {
      return metricOn(registry, 'pulse_shop_filter_products_total', () => {
        const filtered = new Counter({
          name: 'pulse_shop_filter_products_total',
          help: 'Product changes through the banned-products filter, by outcome (passed, banned, deleted)',
          labelNames: ['outcome'],
          registers: [registry],
        });
        for (const outcome of filterOutcomes) filtered.inc({ outcome }, 0);
        return filtered;
      });
    },
    get withdrawals() {
      return counter('pulse_shop_withdrawals_total', 'Products withdrawn from filtered-products because a ban arrived after they passed');
    },
    get categoryFiguresPublished() {
      return counter(
        'pulse_shop_category_figures_published_total',
        'Per-category figures (and tombstones of emptied categories) published to recommendations',
      );
    },
    get banRules() {
      return metricOn(
        registry,
        'pulse_shop_ban_rules',
        () => new Gauge({ name: 'pulse_shop_ban_rules', help: 'Rules in the ban list (from banned-products)', registers: [registry] }),
      );
    },
  };
}
