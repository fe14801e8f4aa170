import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ClusterAdmin } from '../bus/bus.ts';
import { createEmbeddedBus, type EmbeddedBusWithAdmin } from '../bus/embedded/embedded-bus.ts';
import type { Config } from '../config/config.ts';
import { botCountingFrom } from './bot-counting.ts';
import type { Logger } from '../shared/logger.ts';
import type { AccountStore } from '../stores/accounts/account-store.ts';
import { openSqliteAccountStore } from '../stores/accounts/sqlite/index.ts';
import { lazySearchIndex } from '../stores/search/lazy-search-index.ts';
import type { SearchIndex } from '../stores/search/search-index.ts';
import { createSqliteWarehouse } from '../stores/warehouse/sqlite/index.ts';
import type { Warehouse } from '../stores/warehouse/warehouse.ts';

/**
 * Embedded mode's adapters: the on-disk log, SQLite for history and accounts, and PGlite for the
 * shop's search index (or for everything, PULSE_EMBEDDED_ENGINE=pglite). PGlite and its PostgreSQL
 * SQL are imported when first needed, and none of distributed mode's clients (Kafka, Redis,
 * PostgreSQL, ClickHouse, OpenSearch; ./adapters.ts) is: `pulse start` does not hold their code.
 */

export async function embeddedBusFrom(config: Config, logger: Logger): Promise<EmbeddedBusWithAdmin> {
  const dir = join(resolve(config.PULSE_DATA_DIR), 'bus');
  await mkdir(dir, { recursive: true });
  return createEmbeddedBus({ dir, logger: logger.child({ component: 'bus' }) });
}

/** The Kafka page's cluster view on the embedded log: one broker, this process, at its HTTP address. */
export function embeddedClusterAdminOf(bus: EmbeddedBusWithAdmin, config: Config): ClusterAdmin {
  return bus.clusterAdmin({ host: '127.0.0.1', port: config.PULSE_PORT });
}

/**
 * Embedded mode's PGlite, shared by the warehouse, the marketplace's search index and accounts: one
 * in-process PostgreSQL instead of three (memory is what a small box has least of), in a worker
 * thread of its own, so its writes and History queries run on the second core instead of holding
 * up ingest and the realtime worker.
 */
export async function pgliteStoresFrom(config: Config): Promise<{ warehouse: Warehouse; search: SearchIndex; accounts: AccountStore }> {
  const [
    { pgliteThreadExecutor },
    { pgliteTemplateFile },
    { warehouseOver },
    { openPgliteSearchIndex, pgliteSearchExtensions },
    { createPostgresAccountStore },
  ] = await Promise.all([
    import('../stores/warehouse/postgres/pglite-thread.ts'),
    import('../stores/warehouse/postgres/pglite-template.ts'),
    import('../stores/warehouse/postgres/index.ts'),
    import('../stores/search/postgres/index.ts'),
    import('../stores/accounts/postgres/index.ts'),
  ]);
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
      const [{ pgliteThreadExecutor }, { pgliteTemplateFile }, { openPgliteSearchIndex, pgliteSearchExtensions }] = await Promise.all([
        import('../stores/warehouse/postgres/pglite-thread.ts'),
        import('../stores/warehouse/postgres/pglite-template.ts'),
        import('../stores/search/postgres/index.ts'),
      ]);
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
      // Newest first; one failing close does not keep the others open (lifecycle.ts logs the failure).
      close: async () => {
        const failures: unknown[] = [];
        for (const store of [...opened].reverse()) await store.close().catch((error: unknown) => failures.push(error));
        if (failures.length > 0) throw new AggregateError(failures, 'closing the embedded stores failed');
      },
    };
  } catch (error) {
    for (const store of [...opened].reverse()) await store.close().catch(() => undefined);
    throw error;
  }
}
