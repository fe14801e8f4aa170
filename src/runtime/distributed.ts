import { Registry, collectDefaultMetrics } from 'prom-client';
import { registerAlertRoutes } from '../alerts/alert-routes.ts';
import type { Bus } from '../bus/bus.ts';
import { ingestTopicSpecs, shopTopicSpecs, topicNames, topicSpecsOf } from '../bus/topics.ts';
import type { Config } from '../config/config.ts';
import { ingestSettings, shareOfGroup } from '../config/ingest-settings.ts';
import { registerDashboardRoutes } from '../dashboard/dashboard-routes.ts';
import { buildProcessServer, type ReadinessCheck } from '../http/process-server.ts';
import { buildIngestApp } from '../ingest/ingest-app.ts';
import { createIngestMetrics } from '../ingest/ingest-metrics.ts';
import { registerAdminRoutes } from '../query/admin-routes.ts';
import { registerAnalyticsApi } from '../query/analytics-api.ts';
import { registerHistoryRoutes } from '../query/history-routes.ts';
import { createLiveHub } from '../query/live-hub.ts';
import { pipelineHealth } from '../query/pipeline-health.ts';
import { registerStatsRoutes } from '../query/stats-routes.ts';
import { createLogger, type Logger } from '../shared/logger.ts';
import { createSearchIndexMetrics, instrumentSearchIndex } from '../stores/search/instrumented-search-index.ts';
import { realtimeWorker } from '../workers/realtime/realtime-worker.ts';
import { warehouseGroup, warehouseTopics, warehouseWorker } from '../workers/warehouse/warehouse-worker.ts';
import { createWorkerMetrics } from '../workers/worker-metrics.ts';
import { startWorker, type RunningWorker, type WorkerDefinition, type WorkerOptions } from '../workers/worker-runner.ts';
import { workerStatus } from '../workers/worker-status.ts';
import { botCountingFrom } from './bot-counting.ts';
import {
  configuredWarehouses,
  kafkaBusFrom,
  kafkaClusterAdminFrom,
  openSearchIndexFrom,
  redisStoreFrom,
  warehouseFrom,
  type WarehouseSink,
} from './adapters.ts';
import { registerKafkaRoutes } from '../query/kafka-routes.ts';
import { assemble, listen, type Running } from './lifecycle.ts';
import { groupExposition, isIngestGroupMember } from './ingest-processes.ts';
import { bannedFilter } from '../shop/banned-filter.ts';
import { watchBans } from '../shop/ban-watch.ts';
import { startCategoryPublisher } from '../shop/category-publisher.ts';
import { searchProductsSink, searchQueriesSink } from '../shop/search-sink.ts';
import { registerShopRoutes } from '../shop/shop-routes.ts';
import { createShopService } from '../shop/shop-service.ts';
import { createShopMetrics } from '../shop/shop-metrics.ts';
import { watchOf } from './watches.ts';
import { accountStoreFrom, announceSetup, openAccounts, refreshSitesEvery, registerAccountRoutes } from './accounts.ts';
import { createSiteDirectory } from '../auth/site-directory.ts';
import { defaultSite, siteKeys } from '../config/config.ts';
import { connectPostgresAccountStore } from '../stores/accounts/postgres/index.ts';

/** `pulse ingest`: the HTTP collector alone, producing to Kafka. */
export function startIngest(config: Config): Promise<Running> {
  const logger = createLogger(config.PULSE_LOG_LEVEL, 'pulse-ingest');
  return assemble(logger, async (cleanup) => {
    const bus = kafkaBusFrom(config);
    cleanup.add(() => bus.close());
    await bus.ensureTopics(ingestTopicSpecs(config));
    // With PostgreSQL configured, the site records the dashboard manages are collected for too (re-read every 10 s).
    const store = config.PULSE_POSTGRES_URL === undefined ? undefined : connectPostgresAccountStore({ url: config.PULSE_POSTGRES_URL });
    if (store !== undefined) {
      cleanup.add(() => store.close());
      await store.migrate();
    }
    const sites = createSiteDirectory(store, siteKeys(config));
    await sites.refresh();
    refreshSitesEvery(sites, 10_000, logger, cleanup);
    const settings = {
      ...shareOfGroup(ingestSettings(config), isIngestGroupMember() ? config.PULSE_INGEST_PROCESSES : 1),
      sites: sites.accepted,
      siteOrigins: sites.originsOf,
      shieldOf: sites.shieldOf,
    };
    const metrics = createIngestMetrics();
    if (isIngestGroupMember()) metrics.exposition = groupExposition(metrics.registry);
    const app = await buildIngestApp({ bus, settings, logger, metrics });
    cleanup.add(() => app.close());
    return listen(app, config, logger, 'ingest', cleanup);
  });
}

interface OpenedSink {
  /** Starts the process's workers (usually one) with the shared options. */
  start: (options: WorkerOptions) => Promise<RunningWorker[]>;
  /** Topics the workers read or write (their DLQs are added), ensured before they start. */
  topics: string[];
  checks: ReadinessCheck[];
  close: () => Promise<void>;
}

/**
 * One worker definition as an OpenedSink; `batchSize` replaces the process's PULSE_WORKER_BATCH for it.
 * `members` group members of it run in the process (one after another joining), sharing its sink.
 */
function single<T>(
  definition: WorkerDefinition<T>,
  check: ReadinessCheck,
  close: () => Promise<void>,
  batchSize?: number,
  members = 1,
): OpenedSink {
  return {
    start: async (options) => {
      const started: RunningWorker[] = [];
      try {
        for (let i = 0; i < members; i += 1)
          started.push(await startWorker(definition, batchSize === undefined ? options : { ...options, batchSize }));
      } catch (error) {
        await Promise.allSettled(started.map((worker) => worker.stop()));
        throw error;
      }
      return started;
    },
    topics: definition.topics,
    checks: [check],
    close,
  };
}

/**
 * A worker process: members of consumer groups on Kafka writing to their sinks, with /health,
 * /ready, /status and /metrics on PULSE_PORT.
 */
function startWorkerProcess(
  config: Config,
  role: string,
  openSink: (logger: Logger, bus: Bus, registry: Registry) => Promise<OpenedSink>,
): Promise<Running> {
  const logger = createLogger(config.PULSE_LOG_LEVEL, `pulse-${role.replaceAll(' ', '-')}`);
  return assemble(logger, async (cleanup) => {
    const bus = kafkaBusFrom(config);
    cleanup.add(() => bus.close());
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const sink = await openSink(logger, bus, registry);
    cleanup.add(() => sink.close());
    // Only its own topics: on a secured cluster a worker's principal may see no others.
    await bus.ensureTopics(topicSpecsOf(config, sink.topics));
    const workers = await sink.start({
      bus,
      logger,
      metrics: createWorkerMetrics(registry),
      batchSize: config.PULSE_WORKER_BATCH,
      sinkTimeoutMs: config.PULSE_SINK_TIMEOUT_MS,
    });
    for (const worker of workers) cleanup.add(() => worker.stop());
    const checks = [{ name: 'bus', ping: () => bus.ping() }, ...sink.checks];
    const statuses = workers.map((worker) => workerStatus(bus, worker));
    const status =
      statuses.length === 1 && statuses[0] !== undefined
        ? statuses[0]
        : async () => ({ workers: await Promise.all(statuses.map((read) => read())) });
    const app = buildProcessServer({ logger, registry, checks, status, metricsToken: config.PULSE_METRICS_TOKEN });
    cleanup.add(() => app.close());
    return listen(app, config, logger, role, cleanup);
  });
}

/** `pulse worker realtime`: a member of the realtime consumer group, Kafka → Redis. */
export function startRealtimeWorker(config: Config): Promise<Running> {
  return startWorkerProcess(config, 'worker realtime', async (logger) => {
    const store = redisStoreFrom(config, logger);
    return single(
      realtimeWorker(store, topicNames(config.PULSE_TOPIC_PREFIX), { defaultSite: defaultSite(config) }),
      { name: 'redis', ping: () => store.ping() },
      () => store.close(),
      undefined,
      config.PULSE_REALTIME_CONSUMERS,
    );
  });
}

/** `pulse worker warehouse --sink postgres|clickhouse`: a member of that sink's consumer group, Kafka → history. */
export function startWarehouseWorker(config: Config, sink: WarehouseSink): Promise<Running> {
  return startWorkerProcess(config, `worker warehouse ${sink}`, async (logger) => {
    const warehouse = await warehouseFrom(config, sink, logger);
    return single(
      warehouseWorker(warehouse, topicNames(config.PULSE_TOPIC_PREFIX), { defaultSite: defaultSite(config) }),
      { name: sink, ping: () => warehouse.ping() },
      () => warehouse.close(),
      config.PULSE_WAREHOUSE_BATCH,
    );
  });
}

/** `pulse dashboard`: the query API, live stream and dashboard UI over Redis and the warehouses, with lag read from Kafka. */
export function startDashboard(config: Config): Promise<Running> {
  const logger = createLogger(config.PULSE_LOG_LEVEL, 'pulse-dashboard');
  return assemble(logger, async (cleanup) => {
    const topics = topicNames(config.PULSE_TOPIC_PREFIX);
    const bus = kafkaBusFrom(config);
    cleanup.add(() => bus.close());
    const store = redisStoreFrom(config, logger);
    cleanup.add(() => store.close());
    const warehouses = await configuredWarehouses(config, logger);
    cleanup.add(() => Promise.all(warehouses.map((w) => w.close())));
    const watches = [
      watchOf(realtimeWorker(store, topics)),
      ...warehouses.map((w) => ({ group: `${topics.prefix}${warehouseGroup(w.kind)}`, topics: warehouseTopics(topics) })),
    ];
    const hub = createLiveHub({ store, bus, watches, onError: (error) => logger.warn({ err: error }, 'live update failed') });
    cleanup.add(() => hub.close());
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const checks: ReadinessCheck[] = [
      { name: 'bus', ping: () => bus.ping() },
      { name: 'redis', ping: () => store.ping() },
      ...warehouses.map((w) => ({ name: w.kind, ping: () => w.ping() })),
    ];
    const status = async () => ({
      role: 'dashboard',
      state: 'running',
      warehouses: warehouses.map((w) => w.kind),
      pipeline: await pipelineHealth(bus, watches, Date.now()),
    });
    const accountStore = await accountStoreFrom(config);
    cleanup.add(() => accountStore.close());
    const { accounts, sites } = await openAccounts(config, accountStore);
    refreshSitesEvery(sites, 10_000, logger, cleanup);
    const app = buildProcessServer({ logger, registry, checks, status, metricsToken: config.PULSE_METRICS_TOKEN });
    await registerAccountRoutes(app, accounts, config);
    registerStatsRoutes(app, { store, bus, hub, sites: sites.accepted, watches });
    registerHistoryRoutes(app, { warehouse: warehouses[0], countsBots: botCountingFrom(config).counts });
    registerAnalyticsApi(app, { warehouse: warehouses[0], accounts: accounts.store });
    registerAdminRoutes(app, { realtime: store, warehouses });
    const clusterAdmin = kafkaClusterAdminFrom(config);
    cleanup.add(() => clusterAdmin.close());
    registerKafkaRoutes(app, { bus, admin: clusterAdmin });
    registerAlertRoutes(app, { token: config.PULSE_ALERT_WEBHOOK_TOKEN });
    if (config.PULSE_OPENSEARCH_URL !== undefined) {
      // The marketplace's client API and Shop page, when the search index is configured.
      await bus.ensureTopics(shopTopicSpecs(config));
      const index = instrumentSearchIndex(await openSearchIndexFrom(config), createSearchIndexMetrics(registry));
      cleanup.add(() => index.close());
      checks.push({ name: 'opensearch', ping: () => index.ping() });
      registerShopRoutes(app, createShopService({ bus, index, topics }));
    }
    await registerDashboardRoutes(app, {});
    cleanup.add(() => app.close());
    const running = await listen(app, config, logger, 'dashboard', cleanup);
    await announceSetup(accounts, running.url, logger);
    return running;
  });
}

/** `pulse shop filter`: a member of the banned-products filter group, products → filtered-products. */
export function startShopFilter(config: Config): Promise<Running> {
  return startWorkerProcess(config, 'shop filter', async (logger, bus, registry) => {
    const topics = topicNames(config.PULSE_TOPIC_PREFIX);
    await bus.ensureTopics(topicSpecsOf(config, [topics.bannedProducts, topics.filteredProducts]));
    const metrics = createShopMetrics(registry);
    const watch = await watchBans({ bus, topics, logger: logger.child({ component: 'shop-bans' }), metrics });
    return single(bannedFilter(bus, watch, topics, metrics), { name: 'bans', ping: () => watch.ready }, () => watch.close());
  });
}

/** `pulse worker search`: filtered-products and client-queries → the OpenSearch indexes. */
export function startSearchWorker(config: Config): Promise<Running> {
  return startWorkerProcess(config, 'worker search', async (_logger, _bus, registry) => {
    const topics = topicNames(config.PULSE_TOPIC_PREFIX);
    const index = instrumentSearchIndex(await openSearchIndexFrom(config), createSearchIndexMetrics(registry));
    const products = searchProductsSink(index, topics);
    const queries = searchQueriesSink(index, topics);
    return {
      start: async (options) => [await startWorker(products, options), await startWorker(queries, options)],
      topics: [...products.topics, ...queries.topics],
      checks: [{ name: 'opensearch', ping: () => index.ping() }],
      close: () => index.close(),
    };
  });
}

/** `pulse shop analytics`: per-category figures of the filtered catalog → recommendations. */
export function startShopAnalytics(config: Config): Promise<Running> {
  const logger = createLogger(config.PULSE_LOG_LEVEL, 'pulse-shop-analytics');
  return assemble(logger, async (cleanup) => {
    const topics = topicNames(config.PULSE_TOPIC_PREFIX);
    const bus = kafkaBusFrom(config);
    cleanup.add(() => bus.close());
    await bus.ensureTopics(topicSpecsOf(config, [topics.filteredProducts, topics.recommendations]));
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const publisher = await startCategoryPublisher({ bus, topics, logger, metrics: createShopMetrics(registry) });
    cleanup.add(() => publisher.close());
    const status = async () => ({ role: 'shop analytics', published: publisher.published() });
    const app = buildProcessServer({
      logger,
      registry,
      checks: [{ name: 'bus', ping: () => bus.ping() }],
      status,
      metricsToken: config.PULSE_METRICS_TOKEN,
    });
    cleanup.add(() => app.close());
    return listen(app, config, logger, 'shop analytics', cleanup);
  });
}
