import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Bus, ClusterAdmin } from '../bus/bus.ts';
import { createEmbeddedBus, type EmbeddedBusWithAdmin } from '../bus/embedded/embedded-bus.ts';
import { createKafkaBus } from '../bus/kafka/kafka-bus.ts';
import { createKafkaClusterAdmin } from '../bus/kafka/kafka-cluster-admin.ts';
import { countBotsSites, kafkaBrokers, redisUrl, type Config } from '../config/config.ts';
import { countBotsIn, type BotCounting } from '../contract/bot-traffic.ts';
import { PulseError, errorCodes } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { kafkaSecurityFrom } from './kafka-security.ts';
import type { RealtimeStore } from '../stores/realtime/realtime-store.ts';
import { createRedisRealtimeStore } from '../stores/realtime/redis/index.ts';
import { createClickHouseWarehouse } from '../stores/warehouse/clickhouse/index.ts';
import { createPostgresWarehouse, warehouseOver } from '../stores/warehouse/postgres/index.ts';
import { pgliteThreadExecutor } from '../stores/warehouse/postgres/pglite-thread.ts';
import { pgliteTemplateFile } from '../stores/warehouse/postgres/pglite-template.ts';
import { openPgliteSearchIndex, pgliteSearchExtensions } from '../stores/search/postgres/index.ts';
import type { Warehouse } from '../stores/warehouse/warehouse.ts';
import { createOpenSearchIndex } from '../stores/search/opensearch/index.ts';
import type { SearchIndex } from '../stores/search/search-index.ts';
import type { AccountStore } from '../stores/accounts/account-store.ts';
import { createPostgresAccountStore } from '../stores/accounts/postgres/index.ts';
import { createSqliteWarehouse } from '../stores/warehouse/sqlite/index.ts';
import { openSqliteAccountStore } from '../stores/accounts/sqlite/index.ts';
import { lazySearchIndex } from '../stores/search/lazy-search-index.ts';

/**
 * Every adapter Pulse can use, built from configuration. This folder is the only place that
 * decides which adapter sits behind a port; a configured service that is missing is an error,
 * never a silent fallback.
 */
export type WarehouseSink = 'postgres' | 'clickhouse';

export function kafkaBusFrom(config: Config): Bus {
  return createKafkaBus({ brokers: kafkaBrokers(config), clientId: config.PULSE_KAFKA_CLIENT_ID, ...kafkaSecurityFrom(config) });
}

export async function embeddedBusFrom(config: Config, logger: Logger): Promise<EmbeddedBusWithAdmin> {
  const dir = join(resolve(config.PULSE_DATA_DIR), 'bus');
  await mkdir(dir, { recursive: true });
  return createEmbeddedBus({ dir, logger: logger.child({ component: 'bus' }) });
}

/** The Kafka page's cluster view on Kafka: its own admin client and a consumer that never joins a group. */
export function kafkaClusterAdminFrom(config: Config): ClusterAdmin {
  return createKafkaClusterAdmin({ brokers: kafkaBrokers(config), clientId: config.PULSE_KAFKA_CLIENT_ID, ...kafkaSecurityFrom(config) });
}

/** The Kafka page's cluster view on the embedded log: one broker, this process, at its HTTP address. */
export function embeddedClusterAdminOf(bus: EmbeddedBusWithAdmin, config: Config): ClusterAdmin {
  return bus.clusterAdmin({ host: '127.0.0.1', port: config.PULSE_PORT });
}

/** Which sites count bot and automation traffic in their figures (PULSE_COUNT_BOTS_SITES); every store is given the same. */
export function botCountingFrom(config: Config): BotCounting {
  return countBotsIn(countBotsSites(config));
}

export function redisStoreFrom(config: Config, logger: Logger): RealtimeStore {
  return createRedisRealtimeStore({
    url: redisUrl(config),
    countBots: botCountingFrom(config),
    onError: (error: unknown) => logger.warn({ err: error }, 'redis'),
  });
}

/**
 * Embedded mode's PGlite, shared by the warehouse, the marketplace's search index and accounts: one
 * in-process PostgreSQL instead of three (memory is what a small box has least of), in a worker
 * thread of its own, so its writes and History queries run on the second core instead of holding
 * up ingest and the realtime worker.
 */
export async function pgliteStoresFrom(config: Config): Promise<{ warehouse: Warehouse; search: SearchIndex; accounts: AccountStore }> {
  const executor = await pgliteThreadExecutor({
    dir: join(resolve(config.PULSE_DATA_DIR), 'pglite'),
    extensions: Object.keys(pgliteSearchExtensions),
    template: pgliteTemplateFile(config.PULSE_CACHE_DIR),
  });
  const warehouse = warehouseOver(executor, { schema: 'public', countBots: botCountingFrom(config) });
  const search = await openPgliteSearchIndex({ executor });
  const accounts = createPostgresAccountStore({ executor, closeExecutor: false });
  try {
    await warehouse.migrate();
    await search.migrate();
    await accounts.migrate();
  } catch (error) {
    await warehouse.close();
    throw error;
  }
  return { warehouse, search, accounts };
}

/** Embedded mode's stores: the warehouse, the accounts and the marketplace's search index. */
export interface EmbeddedStores {
  engine: 'sqlite' | 'pglite';
  warehouse: Warehouse;
  accounts: AccountStore;
  search: SearchIndex;
  close(): Promise<void>;
}

/**
 * The engine of embedded mode's stores (PULSE_EMBEDDED_ENGINE): `auto` keeps PGlite for a data
 * directory an earlier Pulse filled with it (its history and accounts live there) and chooses
 * SQLite for any other.
 */
export function embeddedEngineOf(config: Config): 'sqlite' | 'pglite' {
  if (config.PULSE_EMBEDDED_ENGINE !== 'auto') return config.PULSE_EMBEDDED_ENGINE;
  const dir = resolve(config.PULSE_DATA_DIR);
  const earlier = existsSync(join(dir, 'pglite', 'PG_VERSION')) && !existsSync(join(dir, 'accounts.sqlite'));
  return earlier ? 'pglite' : 'sqlite';
}

/**
 * Embedded mode's stores, migrated. On SQLite: the warehouse in PULSE_DATA_DIR/warehouse.sqlite on a
 * thread of its own, the accounts in accounts.sqlite, and the search index in PGlite opened on its
 * first use (PULSE_DATA_DIR/pglite): a Pulse whose shop is never used never loads PGlite. On PGlite:
 * one PGlite shared by all three (pgliteStoresFrom).
 */
export async function embeddedStoresFrom(config: Config): Promise<EmbeddedStores> {
  if (embeddedEngineOf(config) === 'pglite') {
    const stores = await pgliteStoresFrom(config);
    // Closing the warehouse closes the PGlite the other two share.
    return { engine: 'pglite', ...stores, close: () => stores.warehouse.close() };
  }
  const dir = resolve(config.PULSE_DATA_DIR);
  await mkdir(dir, { recursive: true });
  const accounts = openSqliteAccountStore(join(dir, 'accounts.sqlite'));
  const opened: { close(): Promise<void> }[] = [accounts];
  try {
    await accounts.migrate();
    const warehouse = await createSqliteWarehouse({ file: join(dir, 'warehouse.sqlite'), countBots: botCountingFrom(config) });
    opened.push(warehouse);
    await warehouse.migrate();
    const search = lazySearchIndex('pglite', async () => {
      const executor = await pgliteThreadExecutor({
        dir: join(dir, 'pglite'),
        extensions: Object.keys(pgliteSearchExtensions),
        template: pgliteTemplateFile(config.PULSE_CACHE_DIR),
      });
      const index = await openPgliteSearchIndex({ executor });
      try {
        await index.migrate();
      } catch (error) {
        await executor.close();
        throw error;
      }
      return { ...index, close: async () => executor.close() };
    });
    opened.push(search);
    return {
      engine: 'sqlite',
      warehouse,
      accounts,
      search,
      close: async () => {
        for (const store of opened.reverse()) await store.close();
      },
    };
  } catch (error) {
    for (const store of opened.reverse()) await store.close().catch(() => undefined);
    throw error;
  }
}

/** The warehouse of one sink; its URL must be configured. Migrations run before it is used. */
export async function warehouseFrom(config: Config, sink: WarehouseSink, logger: Logger): Promise<Warehouse> {
  if (sink === 'clickhouse') {
    const url = requireSetting(config.PULSE_CLICKHOUSE_URL, 'PULSE_CLICKHOUSE_URL', 'http://127.0.0.1:8123');
    const warehouse = createClickHouseWarehouse({ url, countBots: botCountingFrom(config) });
    await migrateOrClose(warehouse);
    return warehouse;
  }
  const url = requireSetting(config.PULSE_POSTGRES_URL, 'PULSE_POSTGRES_URL', 'postgres://user:password@127.0.0.1:5432/pulse');
  const warehouse = createPostgresWarehouse({
    url,
    countBots: botCountingFrom(config),
    onPartitionError: (error) => logger.warn({ err: error }, 'partition'),
  });
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
export async function configuredWarehouses(config: Config, logger: Logger): Promise<Warehouse[]> {
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

/** The marketplace's search index on OpenSearch (PULSE_OPENSEARCH_URL), its indexes created. */
export async function openSearchIndexFrom(config: Config): Promise<SearchIndex> {
  const node = requireSetting(config.PULSE_OPENSEARCH_URL, 'PULSE_OPENSEARCH_URL', 'http://127.0.0.1:9200');
  const index = createOpenSearchIndex({ node, prefix: config.PULSE_TOPIC_PREFIX.replace(/[^a-z0-9_]/g, '_') });
  try {
    await index.migrate();
  } catch (error) {
    await index.close();
    throw error;
  }
  return index;
}
