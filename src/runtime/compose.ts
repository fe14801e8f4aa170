import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Bus } from '../bus/bus.ts';
import { createEmbeddedBus } from '../bus/embedded/embedded-bus.ts';
import { createKafkaBus } from '../bus/kafka/kafka-bus.ts';
import { ingestTopicSpecs } from '../bus/topics.ts';
import { kafkaBrokers, redisUrl, type Config } from '../config/config.ts';
import { registerDashboardRoutes } from '../dashboard/dashboard-routes.ts';
import { buildIngestApp } from '../ingest/ingest-app.ts';
import { createIngestMetrics } from '../ingest/ingest-metrics.ts';
import { registerBusRoutes } from '../ingest/routes/bus-routes.ts';
import { guardAdminRoutes } from '../query/admin-guard.ts';
import { createLiveHub } from '../query/live-hub.ts';
import { registerAdminRoutes } from '../query/admin-routes.ts';
import { registerHistoryRoutes } from '../query/history-routes.ts';
import { registerStatsRoutes } from '../query/stats-routes.ts';
import { PulseError, errorCodes } from '../shared/errors.ts';
import { createLogger, type Logger } from '../shared/logger.ts';
import { createMemoryRealtimeStore } from '../workers/realtime/memory/index.ts';
import type { RealtimeStore } from '../workers/realtime/realtime-store.ts';
import { REALTIME_GROUP, realtimeTopics, realtimeWorker } from '../workers/realtime/realtime-worker.ts';
import { createRedisRealtimeStore } from '../workers/realtime/redis/index.ts';
import { createClickHouseWarehouse } from '../workers/warehouse/clickhouse/index.ts';
import { createPgliteWarehouse, createPostgresWarehouse } from '../workers/warehouse/postgres/index.ts';
import type { Warehouse } from '../workers/warehouse/warehouse.ts';
import { warehouseGroup, warehouseTopics, warehouseWorker } from '../workers/warehouse/warehouse-worker.ts';
import { createWorkerMetrics } from '../workers/worker-metrics.ts';
import { startWorker, type WorkerDefinition } from '../workers/worker-runner.ts';
import { buildWorkerServer } from '../workers/worker-server.ts';

/**
 * The composition root: the only place that decides which adapter sits behind
 * each port. Embedded mode never touches the network except its own HTTP port;
 * distributed mode requires its services to be configured and reachable, and
 * a missing setting is an error, never a silent fallback.
 */
export interface Running {
  app: FastifyInstance;
  url: string;
  logger: Logger;
  close(): Promise<void>;
}

const realtimeWatch = { group: REALTIME_GROUP, topics: realtimeTopics };
const warehouseWatch = (warehouse: Warehouse) => ({ group: warehouseGroup(warehouse.kind), topics: warehouseTopics });

export type WarehouseSink = 'postgres' | 'clickhouse';

/** The warehouse of one sink; its URL must be configured. Migrations run before it is used. */
async function warehouseFrom(config: Config, sink: WarehouseSink, logger: Logger): Promise<Warehouse> {
  if (sink === 'clickhouse') {
    const url = requireSetting(config.PULSE_CLICKHOUSE_URL, 'PULSE_CLICKHOUSE_URL', 'http://127.0.0.1:8123');
    const warehouse = createClickHouseWarehouse({ url });
    await migrateOrClose(warehouse);
    return warehouse;
  }
  const url = requireSetting(config.PULSE_POSTGRES_URL, 'PULSE_POSTGRES_URL', 'postgres://user:password@127.0.0.1:5432/pulse');
  const warehouse = createPostgresWarehouse({ url, onPartitionError: (error) => logger.warn({ err: error }, 'partition') });
  await migrateOrClose(warehouse);
  return warehouse;
}

async function migrateOrClose(warehouse: Warehouse): Promise<void> {
  try {
    await warehouse.migrate();
  } catch (error) {
    await warehouse.close();
    throw error;
  }
}

/** Every warehouse this process is configured for, the one history is served from first (ClickHouse when configured). */
async function configuredWarehouses(config: Config, logger: Logger): Promise<Warehouse[]> {
  const sinks: WarehouseSink[] = [];
  if (config.PULSE_CLICKHOUSE_URL !== undefined) sinks.push('clickhouse');
  if (config.PULSE_POSTGRES_URL !== undefined) sinks.push('postgres');
  const opened: Warehouse[] = [];
  try {
    for (const sink of sinks) opened.push(await warehouseFrom(config, sink, logger));
    return opened;
  } catch (error) {
    await Promise.allSettled(opened.map((w) => w.close()));
    throw error;
  }
}

function requireSetting(value: string | undefined, name: string, example: string): string {
  if (value === undefined) throw new PulseError(errorCodes.CONFIG_INVALID, `${name} must be set for this command (e.g. ${example})`);
  return value;
}

export function kafkaBusFrom(config: Config): Bus {
  return createKafkaBus({ brokers: kafkaBrokers(config), clientId: config.PULSE_KAFKA_CLIENT_ID });
}

function redisStoreFrom(config: Config, logger: Logger): RealtimeStore {
  return createRedisRealtimeStore({ url: redisUrl(config), onError: (error: unknown) => logger.warn({ err: error }, 'redis') });
}

async function embeddedBusFrom(config: Config, logger: Logger): Promise<Bus> {
  const dir = join(resolve(config.PULSE_DATA_DIR), 'bus');
  await mkdir(dir, { recursive: true });
  return createEmbeddedBus({ dir, logger: logger.child({ component: 'bus' }) });
}

/** Closes what was opened, newest first, even when one of them fails. */
function closer(logger: Logger) {
  const steps: (() => Promise<unknown> | unknown)[] = [];
  return {
    add(step: () => Promise<unknown> | unknown): void {
      steps.unshift(step);
    },
    async run(): Promise<void> {
      for (const step of steps) {
        try {
          await step();
        } catch (error) {
          logger.warn({ err: error }, 'close step failed');
        }
      }
    },
  };
}

async function listen(app: FastifyInstance, config: Config, logger: Logger, role: string, cleanup: () => Promise<void>): Promise<Running> {
  const url = await app.listen({ host: config.PULSE_HOST, port: config.PULSE_PORT });
  logger.info({ url, role }, 'pulse is listening');
  return { app, url, logger, close: cleanup };
}

/** `pulse start`: ingest, realtime worker, stats API and dashboard in one process over the embedded bus. */
export async function startEmbedded(config: Config): Promise<Running> {
  const logger = createLogger(config.PULSE_LOG_LEVEL, 'pulse');
  const cleanup = closer(logger);
  try {
    const bus = await embeddedBusFrom(config, logger);
    cleanup.add(() => bus.close());
    await bus.ensureTopics(ingestTopicSpecs(config));
    const store = createMemoryRealtimeStore();
    cleanup.add(() => store.close());
    const metrics = createIngestMetrics();
    const workerMetrics = createWorkerMetrics(metrics.registry);
    // The in-memory store starts empty on every boot: forgetting the group's offsets makes the worker
    // rebuild the live figures from the retained log instead of showing zeros until new traffic arrives.
    await bus.deleteGroup(REALTIME_GROUP);
    const worker = await startWorker(realtimeWorker(store), {
      bus,
      logger,
      metrics: workerMetrics,
      batchSize: config.PULSE_WORKER_BATCH,
    });
    cleanup.add(() => worker.stop());
    const warehouse = await createPgliteWarehouse({ dir: join(resolve(config.PULSE_DATA_DIR), 'pglite') });
    cleanup.add(() => warehouse.close());
    await warehouse.migrate();
    const history = await startWorker(warehouseWorker(warehouse), {
      bus,
      logger,
      metrics: workerMetrics,
      batchSize: config.PULSE_WORKER_BATCH,
    });
    cleanup.add(() => history.stop());
    const watches = [realtimeWatch, warehouseWatch(warehouse)];
    const hub = createLiveHub({ store, bus, watches, onError: (error) => logger.warn({ err: error }, 'live update failed') });
    cleanup.add(() => hub.close());
    const app = await buildIngestApp({
      bus,
      config,
      logger,
      metrics,
      extend: async (a) => {
        guardAdminRoutes(a, config.PULSE_ADMIN_TOKEN);
        registerBusRoutes(a, { bus });
        registerStatsRoutes(a, { store, bus, hub, config, watches });
        registerHistoryRoutes(a, { warehouse });
        registerAdminRoutes(a, { realtime: store, warehouses: [warehouse] });
        a.get('/status', async () => ({ workers: [worker.status(), history.status()] }));
        await registerDashboardRoutes(a, {});
      },
    });
    cleanup.add(() => app.close());
    return await listen(app, config, logger, 'embedded', () => cleanup.run());
  } catch (error) {
    await cleanup.run();
    throw error;
  }
}

/** `pulse ingest`: the HTTP collector alone, producing to Kafka. */
export async function startIngest(config: Config): Promise<Running> {
  const logger = createLogger(config.PULSE_LOG_LEVEL, 'pulse-ingest');
  const cleanup = closer(logger);
  try {
    const bus = kafkaBusFrom(config);
    cleanup.add(() => bus.close());
    await bus.ensureTopics(ingestTopicSpecs(config));
    const app = await buildIngestApp({ bus, config, logger, metrics: createIngestMetrics() });
    cleanup.add(() => app.close());
    return await listen(app, config, logger, 'ingest', () => cleanup.run());
  } catch (error) {
    await cleanup.run();
    throw error;
  }
}

/**
 * A worker process: one member of a consumer group on Kafka writing to one sink, with /health,
 * /ready, /status and /metrics on PULSE_PORT.
 */
async function startWorkerProcess<T>(
  config: Config,
  role: string,
  openSink: (logger: Logger) => Promise<{ definition: WorkerDefinition<T>; ping: () => Promise<void>; close: () => Promise<void> }>,
): Promise<Running> {
  const logger = createLogger(config.PULSE_LOG_LEVEL, `pulse-${role.replaceAll(' ', '-')}`);
  const cleanup = closer(logger);
  try {
    const bus = kafkaBusFrom(config);
    cleanup.add(() => bus.close());
    const sink = await openSink(logger);
    cleanup.add(() => sink.close());
    await bus.ensureTopics(ingestTopicSpecs(config));
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const worker = await startWorker(sink.definition, {
      bus,
      logger,
      metrics: createWorkerMetrics(registry),
      batchSize: config.PULSE_WORKER_BATCH,
    });
    cleanup.add(() => worker.stop());
    const app = buildWorkerServer({ logger, registry, bus, worker: () => worker, sinkPing: sink.ping });
    cleanup.add(() => app.close());
    return await listen(app, config, logger, role, () => cleanup.run());
  } catch (error) {
    await cleanup.run();
    throw error;
  }
}

/** `pulse worker realtime`: a member of the realtime consumer group, Kafka → Redis. */
export function startRealtimeWorker(config: Config): Promise<Running> {
  return startWorkerProcess(config, 'worker realtime', async (logger) => {
    const store = redisStoreFrom(config, logger);
    return { definition: realtimeWorker(store), ping: () => store.ping(), close: () => store.close() };
  });
}

/** `pulse worker warehouse --sink postgres|clickhouse`: a member of that sink's consumer group, Kafka → history. */
export function startWarehouseWorker(config: Config, sink: WarehouseSink): Promise<Running> {
  return startWorkerProcess(config, `worker warehouse ${sink}`, async (logger) => {
    const warehouse = await warehouseFrom(config, sink, logger);
    return { definition: warehouseWorker(warehouse), ping: () => warehouse.ping(), close: () => warehouse.close() };
  });
}

/** `pulse db …` in the distributed setup: the configured stores, opened directly. */
export async function openStores(
  config: Config,
): Promise<{ realtime: RealtimeStore | undefined; warehouses: Warehouse[]; close(): Promise<void> }> {
  const logger = createLogger(config.PULSE_LOG_LEVEL, 'pulse-db');
  const warehouses = await configuredWarehouses(config, logger);
  const realtime = config.PULSE_REDIS_URL === undefined ? undefined : redisStoreFrom(config, logger);
  return {
    realtime,
    warehouses,
    async close() {
      await Promise.allSettled([...warehouses.map((w) => w.close()), realtime?.close()]);
    },
  };
}

/** `pulse dashboard`: the stats API, live stream and dashboard UI over Redis, with lag read from Kafka. */
export async function startDashboard(config: Config): Promise<Running> {
  const logger = createLogger(config.PULSE_LOG_LEVEL, 'pulse-dashboard');
  const cleanup = closer(logger);
  try {
    const bus = kafkaBusFrom(config);
    cleanup.add(() => bus.close());
    const store = redisStoreFrom(config, logger);
    cleanup.add(() => store.close());
    const warehouses = await configuredWarehouses(config, logger);
    cleanup.add(() => Promise.all(warehouses.map((w) => w.close())));
    const watches = [realtimeWatch, ...warehouses.map(warehouseWatch)];
    const hub = createLiveHub({ store, bus, watches, onError: (error) => logger.warn({ err: error }, 'live update failed') });
    cleanup.add(() => hub.close());
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const app = buildWorkerServer({ logger, registry, bus, worker: () => undefined, sinkPing: () => store.ping() });
    guardAdminRoutes(app, config.PULSE_ADMIN_TOKEN);
    registerStatsRoutes(app, { store, bus, hub, config, watches });
    registerHistoryRoutes(app, { warehouse: warehouses[0] });
    registerAdminRoutes(app, { realtime: store, warehouses });
    await registerDashboardRoutes(app, {});
    cleanup.add(() => app.close());
    return await listen(app, config, logger, 'dashboard', () => cleanup.run());
  } catch (error) {
    await cleanup.run();
    throw error;
  }
}
