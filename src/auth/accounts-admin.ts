import type { Role, SiteChange, SiteRecord, TokenRecord, UserRecord } from '../stores/accounts/account-store.ts';
import { PulseError, errorCodes, type ErrorCode } from '../shared/errors.ts';
import type { Accounts } from './accounts-service.ts';

/**
 * What `pulse users` and `pulse sites` do, wherever the accounts are: opened directly (PostgreSQL,
 * or embedded mode's PGlite while Pulse is stopped) or inside a running Pulse over its API with
 * PULSE_ADMIN_TOKEN (PGlite admits one process only). The composition root picks one.
 */
export interface AccountsAdmin {
  readonly where: string;
  addUser(input: { username: string; password: string; role: Role; sites: string[] }): Promise<UserRecord>;
  listUsers(): Promise<UserRecord[]>;
  removeUser(username: string): Promise<void>;
  setPassword(username: string, password: string): Promise<void>;
  changeUser(username: string, change: { role?: Role | undefined; sites?: string[] | undefined }): Promise<UserRecord>;
  issueToken(username: string, name: string): Promise<{ id: string; name: string; token: string }>;
  listTokens(): Promise<TokenRecord[]>;
  revokeToken(id: string): Promise<void>;
  listSites(): Promise<readonly SiteRecord[]>;
  addSite(input: { key: string; name?: string | undefined; origins?: string[] | undefined }): Promise<SiteRecord>;
  removeSite(key: string): Promise<void>;
  updateSite(key: string, change: SiteChange): Promise<SiteRecord>;
  close(): Promise<void>;
}

export function directAccountsAdmin(accounts: Accounts, where: string, close: () => Promise<void>): AccountsAdmin {
  return {
    where,
    addUser: (input) => accounts.addUser(input),
    listUsers: () => accounts.listUsers(),
    removeUser: (username) => accounts.removeUser(username),
    setPassword: (username, password) => accounts.setPassword(username, password),
    async changeUser(username, change) {
      let user = change.role === undefined ? undefined : await accounts.setRole(username, change.role);
      if (change.sites !== undefined) user = await accounts.grantSites(username, change.sites);
      if (user === undefined) throw new PulseError(errorCodes.BAD_REQUEST, 'nothing to change: give --role or --sites');
      return user;
    },
    async issueToken(username, name) {
      const user = await accounts.store.findUser({ username });
      if (user === undefined) throw new PulseError(errorCodes.NOT_FOUND, `no user "${username}"`);
      return accounts.createToken(user, name);
    },
    listTokens: () => accounts.listTokens(),
    revokeToken: (id) => accounts.revokeToken(id),
    listSites: async () => accounts.listSites(),
    addSite: (input) => accounts.addSite(input),
    removeSite: (key) => accounts.removeSite(key),
    updateSite: (key, change) => accounts.updateSite(key, change),
    close,
  };
}

const codeByStatus: Record<number, ErrorCode> = {
  400: errorCodes.BAD_REQUEST,
  401: errorCodes.UNAUTHORIZED,
  403: errorCodes.FORBIDDEN,
  404: errorCodes.NOT_FOUND,
  409: errorCodes.CONFLICT,
};

/** A running Pulse's accounts API at `baseUrl`, as its operator (PULSE_ADMIN_TOKEN). */
export function httpAccountsAdmin(baseUrl: string, adminToken: string): AccountsAdmin {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (response.status === 204) return undefined as T;
    const answer = (await response.json().catch(() => ({}))) as { message?: string };
    if (!response.ok) {
      throw new PulseError(
        codeByStatus[response.status] ?? errorCodes.STORE_UNAVAILABLE,
        `${baseUrl}: ${answer.message ?? response.statusText}`,
      );
    }
    return answer as T;
  };
  const user = (username: string) => `/api/users/${encodeURIComponent(username)}`;
  return {
    where: baseUrl,
    addUser: (input) => call('POST', '/api/users', input),
    listUsers: async () => (await call<{ users: UserRecord[] }>('GET', '/api/users')).users,
    removeUser: (username) => call('DELETE', user(username)),
    setPassword: (username, password) => call('PUT', `${user(username)}/password`, { password }),
    changeUser: (username, change) => call('PATCH', user(username), change),
    issueToken: (username, name) => call('POST', `${user(username)}/tokens`, { name }),
    listTokens: async () => (await call<{ tokens: TokenRecord[] }>('GET', '/api/users/tokens')).tokens,
    revokeToken: (id) => call('DELETE', `/api/users/tokens/${encodeURIComponent(id)}`),
    listSites: async () => (await call<{ records: SiteRecord[] }>('GET', '/api/sites')).records,
    addSite: (input) => call('POST', '/api/sites', input),
    removeSite: (key) => call('DELETE', `/api/sites/${encodeURIComponent(key)}`),
    updateSite: (key, change) => call('PATCH', `/api/sites/${encodeURIComponent(key)}`, change),
    close: async () => {},
  };
}
