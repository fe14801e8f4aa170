import type { FastifyInstance } from 'fastify';
import { createAccounts, type Accounts } from '../../src/auth/accounts-service.ts';
import { bootstrapSites, createSiteDirectory } from '../../src/auth/site-directory.ts';
import { createLoginThrottle } from '../../src/auth/login-throttle.ts';
import { registerAccountRoutes } from '../../src/runtime/accounts.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { AccountStore } from '../../src/stores/accounts/account-store.ts';
import { openPgliteAccountStore } from '../../src/stores/accounts/postgres/index.ts';
import { openSqliteAccountStore } from '../../src/stores/accounts/sqlite/index.ts';

export interface TestAccounts {
  accounts: Accounts;
  store: AccountStore;
  close(): Promise<void>;
}

/**
 * Accounts over an in-memory store, with these site keys as records (PULSE_SITES): SQLite, embedded
 * mode's default, or PGlite when PULSE_TEST_ACCOUNTS_ENGINE=pglite (test/unit/auth/accounts-pglite.test.ts).
 */
export async function memoryAccounts(options: {
  sites: string[];
  operatorToken?: string;
  now?: () => number;
  /** Failed logins one address may make (default as in production, 20). */
  throttleLimit?: number;
}): Promise<TestAccounts> {
  const store = process.env['PULSE_TEST_ACCOUNTS_ENGINE'] === 'pglite' ? await openPgliteAccountStore() : openSqliteAccountStore();
  await store.migrate();
  const sites = createSiteDirectory(store, new Set(options.sites));
  await bootstrapSites(store, sites);
  const now = options.now ?? Date.now;
  const throttle = createLoginThrottle({ now, ...(options.throttleLimit === undefined ? {} : { limit: options.throttleLimit }) });
  const accounts = createAccounts({ store, sites, operatorToken: options.operatorToken, now, throttle });
  return { accounts, store, close: () => store.close() };
}

/** The access rules and account routes on an app as `pulse start` installs them (before its other routes). */
export async function withTestAccess(app: FastifyInstance, accounts: Accounts, operatorToken: string): Promise<void> {
  const config = loadConfig({ PULSE_ADMIN_TOKEN: operatorToken });
  await registerAccountRoutes(app, accounts, config);
}

/** A user with an API token: `headers` authenticate as them. */
export async function userWithToken(
  accounts: Accounts,
  user: { username: string; role: 'admin' | 'viewer'; sites?: string[] },
): Promise<{ token: string; headers: Record<string, string> }> {
  const created = await accounts.addUser({ ...user, password: 'a long enough password' });
  const { token } = await accounts.createToken(created, 'test');
  return { token, headers: { authorization: `Bearer ${token}` } };
}
