import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { installAccess } from '../auth/access-hook.ts';
import { createAccounts, type Accounts } from '../auth/accounts-service.ts';
import { registerAuthRoutes } from '../auth/auth-routes.ts';
import { registerSiteRoutes } from '../auth/site-routes.ts';
import { bootstrapSites, createSiteDirectory, type SiteDirectory } from '../auth/site-directory.ts';
import { registerUserRoutes } from '../auth/user-routes.ts';
import { siteKeys, type Config } from '../config/config.ts';
import type { Logger } from '../shared/logger.ts';
import type { AccountStore } from '../stores/accounts/account-store.ts';
import type { Closer } from './lifecycle.ts';

/**
 * The accounts store of a distributed process: PostgreSQL when PULSE_POSTGRES_URL is set (every
 * dashboard and ingest process then shares the same users and sites), else a PGlite of its own in
 * PULSE_DATA_DIR/accounts. Embedded mode opens its own (embeddedStoresFrom).
 */
export async function accountStoreFrom(config: Config): Promise<AccountStore> {
  // Imported here: embedded mode, which imports this module too, never loads PostgreSQL's clients.
  const { connectPostgresAccountStore, openPgliteAccountStore } = await import('../stores/accounts/postgres/index.ts');
  const store =
    config.PULSE_POSTGRES_URL === undefined
      ? await openPgliteAccountStore(join(resolve(config.PULSE_DATA_DIR), 'accounts'))
      : connectPostgresAccountStore({ url: config.PULSE_POSTGRES_URL });
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** Users and sites over a migrated store; PULSE_SITES keys become site records if missing. */
export async function openAccounts(config: Config, store: AccountStore): Promise<{ accounts: Accounts; sites: SiteDirectory }> {
  const sites = createSiteDirectory(store, siteKeys(config));
  await bootstrapSites(store, sites);
  return { accounts: createAccounts({ store, sites, operatorToken: config.PULSE_ADMIN_TOKEN }), sites };
}

/** The access rules and the accounts, sites and share-link routes on an app, before its other routes. */
export async function registerAccountRoutes(app: FastifyInstance, accounts: Accounts, config: Config): Promise<void> {
  await installAccess(app, { accounts, metricsToken: config.PULSE_METRICS_TOKEN });
  registerAuthRoutes(app, { accounts });
  registerUserRoutes(app, { accounts });
  registerSiteRoutes(app, { accounts });
}

/**
 * On a Pulse with no user yet, prints the one-time link that creates the first admin (never a
 * default password). It goes to the terminal, not the structured log: it is a secret, valid once.
 */
export async function announceSetup(accounts: Accounts, url: string, logger: Logger): Promise<void> {
  const token = await accounts.issueSetupToken();
  if (token === undefined) return;
  const link = `${url.replace(/\/$/, '')}/dashboard/?setup=${token}`;
  logger.warn('no user exists yet: open the one-time setup link printed below, or run `pulse users add <name> --role admin`');
  process.stderr.write(`\n  Create the first admin of this Pulse (the link works once):\n  ${link}\n\n`);
}

/** Other processes change sites too: a process that checks site keys re-reads them on a timer. */
export function refreshSitesEvery(sites: SiteDirectory, ms: number, logger: Logger, cleanup: Closer): void {
  const timer = setInterval(() => {
    sites.refresh().catch((error: unknown) => logger.warn({ err: error }, 'site list refresh failed'));
  }, ms);
  timer.unref();
  cleanup.add(() => clearInterval(timer));
}
