import { Registry, collectDefaultMetrics } from 'prom-client';
import { ingestTopicSpecs, topicNames, topicSpecsOf } from '../bus/topics.ts';
import { siteKeys, type Config } from '../config/config.ts';
import { ingestSettings } from '../config/ingest-settings.ts';
import { registerDashboardRoutes } from '../dashboard/dashboard-routes.ts';
import { buildProcessServer, type ReadinessCheck } from '../http/process-server.ts';
import { buildIngestApp } from '../ingest/ingest-app.ts';
import { createIngestMetrics } from '../ingest/ingest-metrics.ts';
import { guardAdminRoutes } from '../query/admin-guard.ts';
import { registerAdminRoutes } from '../query/admin-routes.ts';
import { registerHistoryRoutes } from '../query/history-routes.ts';
import { createLiveHub } from '../query/live-hub.ts';
import { pipelineHealth } from '../query/pipeline-health.ts';
import { registerStatsRoutes } from '../query/stats-routes.ts';
import { createLogger, type Logger } from '../shared/logger.ts';
import { realtimeWorker } from '../workers/realtime/realtime-worker.ts';
import { warehouseGroup, warehouseTopics, warehouseWorker } from '../workers/warehouse/warehouse-worker.ts';
import { createWorkerMetrics } from '../workers/worker-metrics.ts';
import { startWorker, type WorkerDefinition } from '../workers/worker-runner.ts';
import { workerStatus } from '../workers/worker-status.ts';
import { configuredWarehouses, kafkaBusFrom, redisStoreFrom, warehouseFrom, type WarehouseSink } from './adapters.ts';
import { assemble, listen, type Running } from './lifecycle.ts';
import { watchOf } from './watches.ts';

/** `pulse ingest`: the HTTP collector alone, producing to Kafka. */
export function startIngest(config: Config): Promise<Running> {
  const logger = createLogger(config.PULSE_LOG_LEVEL, 'pulse-ingest');
  return assemble(logger, async (cleanup) => {
    const bus = kafkaBusFrom(config);
    cleanup.add(() => bus.close());
    await bus.ensureTopics(ingestTopicSpecs(config));
    const app = await buildIngestApp({ bus, settings: ingestSettings(config), logger, metrics: createIngestMetrics() });
    cleanup.add(() => app.close());
    return listen(app, config, logger, 'ingest', cleanup);
  });
}

interface OpenedSink<T> {
  definition: WorkerDefinition<T>;
  check: ReadinessCheck;
  close: () => Promise<void>;
}

/**
 * A worker process: one member of a consumer group on Kafka writing to one sink, with /health,
 * /ready, /status and /metrics on PULSE_PORT.
 */
function startWorkerProcess<T>(config: Config, role: string, openSink: (logger: Logger) => Promise<OpenedSink<T>>): Promise<Running> {
  const logger = createLogger(config.PULSE_LOG_LEVEL, `pulse-${role.replaceAll(' ', '-')}`);
  return assemble(logger, async (cleanup) => {
    const bus = kafkaBusFrom(config);
    cleanup.add(() => bus.close());
    const sink = await openSink(logger);
    cleanup.add(() => sink.close());
    // Only its own topics: on a secured cluster a worker's principal may see no others.
    await bus.ensureTopics(topicSpecsOf(config, sink.definition.topics));
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const worker = await startWorker(sink.definition, {
      bus,
      logger,
      metrics: createWorkerMetrics(registry),
      batchSize: config.PULSE_WORKER_BATCH,
    });
    cleanup.add(() => worker.stop());
    const checks = [{ name: 'bus', ping: () => bus.ping() }, sink.check];
    const app = buildProcessServer({ logger, registry, checks, status: workerStatus(bus, worker) });
    cleanup.add(() => app.close());
    return listen(app, config, logger, role, cleanup);
  });
}

/** `pulse worker realtime`: a member of the realtime consumer group, Kafka → Redis. */
export function startRealtimeWorker(config: Config): Promise<Running> {
  return startWorkerProcess(config, 'worker realtime', async (logger) => {
    const store = redisStoreFrom(config, logger);
    return {
      definition: realtimeWorker(store, topicNames(config.PULSE_TOPIC_PREFIX)),
      check: { name: 'redis', ping: () => store.ping() },
      close: () => store.close(),
    };
  });
}

/** `pulse worker warehouse --sink postgres|clickhouse`: a member of that sink's consumer group, Kafka → history. */
export function startWarehouseWorker(config: Config, sink: WarehouseSink): Promise<Running> {
  return startWorkerProcess(config, `worker warehouse ${sink}`, async (logger) => {
    const warehouse = await warehouseFrom(config, sink, logger);
    return {
      definition: warehouseWorker(warehouse, topicNames(config.PULSE_TOPIC_PREFIX)),
      check: { name: sink, ping: () => warehouse.ping() },
      close: () => warehouse.close(),
    };
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
    const app = buildProcessServer({ logger, registry, checks, status });
    guardAdminRoutes(app, config.PULSE_ADMIN_TOKEN);
    registerStatsRoutes(app, { store, bus, hub, sites: siteKeys(config), watches });
    registerHistoryRoutes(app, { warehouse: warehouses[0] });
    registerAdminRoutes(app, { realtime: store, warehouses });
    await registerDashboardRoutes(app, {});
    cleanup.add(() => app.close());
    return listen(app, config, logger, 'dashboard', cleanup);
  });
}
