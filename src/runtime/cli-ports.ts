import { pulseUrl, type Config } from '../config/config.ts';
import { httpAdmin, storeAdmin, type DataAdmin } from '../query/data-admin.ts';
import { busTopicBrowser, httpTopicBrowser, type TopicBrowser } from '../query/topic-browser.ts';
import { createLogger } from '../shared/logger.ts';
import { topicNames } from '../bus/topics.ts';
import { busShopAdmin, type ShopAdmin } from '../shop/shop-admin.ts';
import { httpShopClient, type ShopClient } from '../shop/shop-client.ts';
import { configuredWarehouses, kafkaBusFrom, redisStoreFrom } from './adapters.ts';
import { embeddedStoresFrom } from './embedded-adapters.ts';
import { directAccountsAdmin, httpAccountsAdmin, type AccountsAdmin } from '../auth/accounts-admin.ts';
import { PulseError, errorCodes } from '../shared/errors.ts';
import { accountStoreFrom, openAccounts } from './accounts.ts';

/**
 * The ports CLI commands work through. With service URLs configured they open the services
 * directly; otherwise they reach the running embedded instance at PULSE_URL.
 */
export async function openDataAdmin(config: Config): Promise<DataAdmin> {
  const direct =
    config.PULSE_POSTGRES_URL !== undefined || config.PULSE_CLICKHOUSE_URL !== undefined || config.PULSE_REDIS_URL !== undefined;
  if (!direct) return httpAdmin(pulseUrl(config), config.PULSE_ADMIN_TOKEN);
  const logger = createLogger(config.PULSE_LOG_LEVEL, 'pulse-db');
  const warehouses = await configuredWarehouses(config, logger);
  const realtime = config.PULSE_REDIS_URL === undefined ? undefined : redisStoreFrom(config, logger);
  return storeAdmin({
    realtime,
    warehouses,
    async close() {
      await Promise.allSettled([...warehouses.map((w) => w.close()), realtime?.close()]);
    },
  });
}

export function openTopicBrowser(config: Config): TopicBrowser {
  if (config.PULSE_KAFKA_BROKERS === undefined) return httpTopicBrowser(pulseUrl(config), config.PULSE_ADMIN_TOKEN);
  return busTopicBrowser(kafkaBusFrom(config), `Kafka ${config.PULSE_KAFKA_BROKERS}`);
}

/** The shop API of a running Pulse (search, recommend; publishing and bans when no Kafka is configured). */
export function openShopClient(config: Config): ShopClient {
  return httpShopClient(pulseUrl(config), config.PULSE_ADMIN_TOKEN);
}

/** Publishing the catalog and managing bans: straight on Kafka when it is configured (as seed 003's emulator), else through PULSE_URL. */
export function openShopAdmin(config: Config): ShopAdmin & { where: string; close(): Promise<void> } {
  if (config.PULSE_KAFKA_BROKERS === undefined)
    return { ...httpShopClient(pulseUrl(config), config.PULSE_ADMIN_TOKEN), close: async () => {} };
  const bus = kafkaBusFrom(config);
  return {
    ...busShopAdmin(bus, topicNames(config.PULSE_TOPIC_PREFIX)),
    where: `Kafka ${config.PULSE_KAFKA_BROKERS}`,
    close: () => bus.close(),
  };
}

/**
 * `pulse users` / `pulse sites`: on PostgreSQL when it is configured; else inside the running Pulse
 * at PULSE_URL (as its operator, PULSE_ADMIN_TOKEN); else, with no Pulse running, on the embedded
 * stores in PULSE_DATA_DIR directly (how the first admin is made before the first start).
 */
export async function openAccountsAdmin(config: Config): Promise<AccountsAdmin> {
  if (config.PULSE_POSTGRES_URL !== undefined) {
    const store = await accountStoreFrom(config);
    const { accounts } = await openAccounts(config, store);
    return directAccountsAdmin(accounts, 'PostgreSQL (PULSE_POSTGRES_URL)', () => store.close());
  }
  const url = pulseUrl(config);
  const running = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).then(
    (response) => response.ok,
    () => false,
  );
  if (running) {
    if (config.PULSE_ADMIN_TOKEN === undefined) {
      throw new PulseError(
        errorCodes.CONFIG_INVALID,
        `Pulse is running at ${url}: set PULSE_ADMIN_TOKEN to the value it runs with, use the dashboard, or stop it to change accounts directly`,
      );
    }
    return httpAccountsAdmin(url, config.PULSE_ADMIN_TOKEN);
  }
  const stores = await embeddedStoresFrom(config);
  const { accounts } = await openAccounts(config, stores.accounts);
  return directAccountsAdmin(accounts, `${config.PULSE_DATA_DIR} (Pulse is not running)`, async () => {
    await stores.search.close();
    await stores.close();
  });
}
