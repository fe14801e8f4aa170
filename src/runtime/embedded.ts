import { registerAlertRoutes } from '../alerts/alert-routes.ts';
import { join, resolve } from 'node:path';
import { registerEmbeddedDiskMetrics } from '../bus/embedded/disk-metrics.ts';
import { ingestTopicSpecs, shopTopicSpecs, topicNames } from '../bus/topics.ts';
import { defaultSite, type Config } from '../config/config.ts';
import { ingestSettings } from '../config/ingest-settings.ts';
import { registerDashboardRoutes } from '../dashboard/dashboard-routes.ts';
import { buildIngestApp } from '../ingest/ingest-app.ts';
import { createIngestMetrics } from '../ingest/ingest-metrics.ts';
import { registerAdminRoutes } from '../query/admin-routes.ts';
import { registerAnalyticsApi } from '../query/analytics-api.ts';
import { registerHistoryRoutes } from '../query/history-routes.ts';
import { createLiveHub } from '../query/live-hub.ts';
import { registerStatsRoutes } from '../query/stats-routes.ts';
import { registerTopicRoutes } from '../query/topic-routes.ts';
import { registerKafkaRoutes } from '../query/kafka-routes.ts';
import { createLogger } from '../shared/logger.ts';
import { afterApply } from '../stores/realtime/after-apply.ts';
import { createMemoryRealtimeStore } from '../stores/realtime/memory/index.ts';
import { createSearchIndexMetrics, instrumentSearchIndex } from '../stores/search/instrumented-search-index.ts';
import { realtimeWorker } from '../workers/realtime/realtime-worker.ts';
import { warehouseWorker } from '../workers/warehouse/warehouse-worker.ts';
import { createWorkerMetrics } from '../workers/worker-metrics.ts';
import { startWorker } from '../workers/worker-runner.ts';
import { botCountingFrom } from './bot-counting.ts';
import { embeddedBusFrom, embeddedClusterAdminOf, embeddedStoresFrom } from './embedded-adapters.ts';
import { startShopPipeline } from './shop.ts';
import { registerShopRoutes } from '../shop/shop-routes.ts';
import { createShopService } from '../shop/shop-service.ts';
import { createShopMetrics } from '../shop/shop-metrics.ts';
import { assemble, listen, type Running } from './lifecycle.ts';
import { watchOf } from './watches.ts';
import { announceSetup, openAccounts, registerAccountRoutes } from './accounts.ts';

/** `pulse start`: ingest, both workers, the query API and the dashboard in one process over the embedded bus and stores. */
export function startEmbedded(config: Config): Promise<Running> {
  const logger = createLogger(config.PULSE_LOG_LEVEL, 'pulse');
  return assemble(logger, async (cleanup) => {
    const topics = topicNames(config.PULSE_TOPIC_PREFIX);
    const bus = await embeddedBusFrom(config, logger);
    cleanup.add(() => bus.close());
    await bus.ensureTopics(ingestTopicSpecs(config));
    const store = createMemoryRealtimeStore({ countBots: botCountingFrom(config) });
    cleanup.add(() => store.close());
    const metrics = createIngestMetrics();
    const workerMetrics = createWorkerMetrics(metrics.registry);
    // The same directory embeddedBusFrom opens.
    registerEmbeddedDiskMetrics(metrics.registry, join(resolve(config.PULSE_DATA_DIR), 'bus'));
    const workerOptions = {
      bus,
      logger,
      metrics: workerMetrics,
      batchSize: config.PULSE_WORKER_BATCH,
      sinkTimeoutMs: config.PULSE_SINK_TIMEOUT_MS,
    };
    // The in-memory store starts empty on every boot: forgetting the group's offsets makes the worker
    // rebuild the live figures from the retained log instead of showing zeros until new traffic arrives.
    // The live push follows this worker: each applied batch brings the next push forward (the hub exists further down).
    let liveApplied = (): void => undefined;
    const live = realtimeWorker(
      afterApply(store, () => liveApplied()),
      topics,
      { defaultSite: defaultSite(config) },
    );
    await bus.deleteGroup(live.group);
    const realtime = await startWorker(live, workerOptions);
    cleanup.add(() => realtime.stop());
    const stores = await embeddedStoresFrom(config);
    cleanup.add(() => stores.close());
    const warehouse = stores.warehouse;
    logger.info({ engine: stores.engine, dir: config.PULSE_DATA_DIR }, 'embedded stores');
    const { accounts, sites } = await openAccounts(config, stores.accounts);
    const search = instrumentSearchIndex(stores.search, createSearchIndexMetrics(metrics.registry));
    cleanup.add(() => search.close());
    const historyDefinition = warehouseWorker(warehouse, topics, { defaultSite: defaultSite(config) });
    const history = await startWorker(historyDefinition, { ...workerOptions, batchSize: config.PULSE_WAREHOUSE_BATCH });
    cleanup.add(() => history.stop());
    await bus.ensureTopics(shopTopicSpecs(config));
    const shopPipeline = await startShopPipeline({
      bus,
      index: search,
      topics,
      logger,
      workerOptions,
      metrics: createShopMetrics(metrics.registry),
    });
    cleanup.add(() => shopPipeline.close());
    const shop = createShopService({ bus, index: search, topics });
    const watches = [watchOf(live), watchOf(historyDefinition)];
    const hub = createLiveHub({ store, bus, watches, onError: (error) => logger.warn({ err: error }, 'live update failed') });
    cleanup.add(() => hub.close());
    liveApplied = () => hub.wake();
    const app = await buildIngestApp({
      bus,
      settings: { ...ingestSettings(config), sites: sites.accepted, siteOrigins: sites.originsOf, shieldOf: sites.shieldOf },
      logger,
      metrics,
      extend: async (a) => {
        await registerAccountRoutes(a, accounts, config);
        registerTopicRoutes(a, { bus });
        registerKafkaRoutes(a, { bus, admin: embeddedClusterAdminOf(bus, config) });
        registerStatsRoutes(a, { store, bus, hub, sites: sites.accepted, watches });
        registerHistoryRoutes(a, { warehouse, countsBots: botCountingFrom(config).counts });
        registerAnalyticsApi(a, { warehouse, accounts: accounts.store });
        registerAdminRoutes(a, { realtime: store, warehouses: [warehouse] });
        registerShopRoutes(a, shop);
        registerAlertRoutes(a, { token: config.PULSE_ALERT_WEBHOOK_TOKEN });
        a.get('/status', async () => ({ workers: [realtime.status(), history.status(), ...shopPipeline.statuses()] }));
        await registerDashboardRoutes(a, {});
      },
    });
    cleanup.add(() => app.close());
    const running = await listen(app, config, logger, 'embedded', cleanup);
    await announceSetup(accounts, running.url, logger);
    return running;
  });
}
