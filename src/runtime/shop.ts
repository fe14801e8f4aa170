import type { Bus } from '../bus/bus.ts';
import type { TopicNames } from '../bus/topics.ts';
import type { Logger } from '../shared/logger.ts';
import { bannedFilter } from '../shop/banned-filter.ts';
import { watchBans } from '../shop/ban-watch.ts';
import { startCategoryPublisher } from '../shop/category-publisher.ts';
import { searchProductsSink, searchQueriesSink } from '../shop/search-sink.ts';
import type { ShopMetrics } from '../shop/shop-metrics.ts';
import type { SearchIndex } from '../stores/search/search-index.ts';
import { startWorker, type RunningWorker, type WorkerOptions, type WorkerStatus } from '../workers/worker-runner.ts';

export interface ShopPipeline {
  statuses(): WorkerStatus[];
  close(): Promise<void>;
}

/**
 * The whole marketplace pipeline in one process (embedded mode): the banned-products filter, the
 * search sinks for both indexes and the category analytics. Distributed mode runs the same parts
 * as separate processes (src/runtime/distributed.ts).
 */
export async function startShopPipeline(deps: {
  bus: Bus;
  index: SearchIndex;
  topics: TopicNames;
  logger: Logger;
  workerOptions: WorkerOptions;
  metrics?: ShopMetrics | undefined;
}): Promise<ShopPipeline> {
  const { bus, index, topics, logger, workerOptions, metrics } = deps;
  const opened: { close(): Promise<void> }[] = [];
  const closeAll = async (): Promise<void> => {
    for (const part of opened.reverse())
      await part.close().catch((error: unknown) => logger.warn({ err: error }, 'closing a shop part failed'));
  };
  try {
    const watch = await watchBans({ bus, topics, logger: logger.child({ component: 'shop-bans' }), metrics });
    opened.push(watch);
    const workers: RunningWorker[] = [];
    const run = (worker: RunningWorker): void => {
      opened.push({ close: () => worker.stop() });
      workers.push(worker);
    };
    run(await startWorker(bannedFilter(bus, watch, topics, metrics), workerOptions));
    run(await startWorker(searchProductsSink(index, topics), workerOptions));
    run(await startWorker(searchQueriesSink(index, topics), workerOptions));
    const analytics = await startCategoryPublisher({ bus, topics, logger: logger.child({ component: 'shop-analytics' }), metrics });
    opened.push(analytics);
    return { statuses: () => workers.map((w) => w.status()), close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
