import type { Bus, ClusterAdmin } from '../bus/bus.ts';
import { createKafkaBus } from '../bus/kafka/kafka-bus.ts';
import { createKafkaClusterAdmin } from '../bus/kafka/kafka-cluster-admin.ts';
import { kafkaBrokers, redisUrl, type Config } from '../config/config.ts';
import { botCountingFrom } from './bot-counting.ts';
import { PulseError, errorCodes } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { kafkaSecurityFrom } from './kafka-security.ts';
import type { RealtimeStore } from '../stores/realtime/realtime-store.ts';
import { createRedisRealtimeStore } from '../stores/realtime/redis/index.ts';
import { createClickHouseWarehouse } from '../stores/warehouse/clickhouse/index.ts';
import { createPostgresWarehouse } from '../stores/warehouse/postgres/index.ts';
import type { Warehouse } from '../stores/warehouse/warehouse.ts';
import { createOpenSearchIndex } from '../stores/search/opensearch/index.ts';
import type { SearchIndex } from '../stores/search/search-index.ts';

/**
 * The adapters of distributed mode (Kafka, Redis, PostgreSQL, ClickHouse, OpenSearch), built from
 * configuration; embedded mode's are in ./embedded-adapters.ts, which loads none of these clients.
 * This folder is the only place that decides which adapter sits behind a port; a configured
 * service that is missing is an error, never a silent fallback.
 */
export type WarehouseSink = 'postgres' | 'clickhouse';

export function kafkaBusFrom(config: Config): Bus {
  return createKafkaBus({ brokers: kafkaBrokers(config), clientId: config.PULSE_KAFKA_CLIENT_ID, ...kafkaSecurityFrom(config) });
}

/** The Kafka page's cluster view on Kafka: its own admin client and a consumer that never joins a group. */
export function kafkaClusterAdminFrom(config: Config): ClusterAdmin {
  return createKafkaClusterAdmin({ brokers: kafkaBrokers(config), clientId: config.PULSE_KAFKA_CLIENT_ID, ...kafkaSecurityFrom(config) });
}

export function redisStoreFrom(config: Config, logger: Logger): RealtimeStore {
  return createRedisRealtimeStore({
    url: redisUrl(config),
    countBots: botCountingFrom(config),
    onError: (error: unknown) => logger.warn({ err: error }, 'redis'),
  });
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
