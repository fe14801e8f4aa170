import { isSiteKey } from '../contract/site-key.ts';
import { PulseError, badRequest, errorCodes } from '../shared/errors.ts';
import type { AccountStore, Role, ShareRecord, SiteRecord, TokenRecord, UserRecord } from '../stores/accounts/account-store.ts';
import { decoyHash, hashPassword, passwordProblem, verifyPassword } from './passwords.ts';
import { scopeOf, type Principal } from './principal.ts';
import { digestOf, isSecretOf, newId, newSecret } from './secrets.ts';
import type { SiteDirectory } from './site-directory.ts';
import { safeEqual } from '../http/safe-equal.ts';
import { createLoginThrottle, type LoginThrottle } from './login-throttle.ts';
import { ipRuleProblem, pathRuleProblem } from '../ingest/shields.ts';

export interface AccountsOptions {
  store: AccountStore;
  sites: SiteDirectory;
  /** PULSE_ADMIN_TOKEN: the deployment's own admin credential, if configured. */
  operatorToken?: string | undefined;
  now?: () => number;
  sessionTtlMs?: number;
  /** Consecutive failed logins that lock an account, and for how long. */
  lockAfter?: number;
  lockMs?: number;
  throttle?: LoginThrottle;
}

export interface Credentials {
  bearer?: string | undefined;
  session?: string | undefined;
  share?: string | undefined;
}

export interface NewSession {
  sessionId: string;
  csrf: string;
  expiresAt: number;
  principal: Principal;
}

/** How long a credential's principal is reused without a database lookup. */
export const CACHE_MS = 10_000;

export const USERNAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$';
const usernamePattern = new RegExp(USERNAME_PATTERN);

const conflict = (message: string) => new PulseError(errorCodes.CONFLICT, message);
const notFound = (message: string) => new PulseError(errorCodes.NOT_FOUND, message);
const invalidLogin = () => new PulseError(errorCodes.UNAUTHORIZED, 'wrong username or password', { detail: 'invalid_credentials' });

/**
 * A name people give, as stored: no control characters (PostgreSQL refuses NUL), and a lone UTF-16
 * surrogate (which no UTF-8 text can hold) replaced by U+FFFD.
 */
function label(name: string): string {
  if (name.trim() === '' || /[\u0000-\u001f\u007f]/.test(name)) throw badRequest('invalid_name', 'a name is printable text, not empty');
  return name.toWellFormed();
}

function checkUsername(username: string): void {
  if (!usernamePattern.test(username)) throw badRequest('invalid_username', 'a username is 1–64 letters, digits, and _ . @ - (not first)');
}

function checkPassword(password: string): void {
  const problem = passwordProblem(password);
  if (problem !== undefined) throw badRequest('weak_password', problem);
}

/** Origins as the CORS check compares them (scheme://host[:port]); anything else is refused. */
function normalizeOrigins(origins: readonly string[]): string[] {
  return [
    ...new Set(
      origins.map((origin) => {
        let url: URL | undefined;
        try {
          url = new URL(origin);
        } catch {
          url = undefined;
        }
        if (url === undefined || !/^https?:$/.test(url.protocol) || url.origin === 'null' || origin.replace(/\/$/, '') !== url.origin) {
          throw badRequest('invalid_origin', `"${origin}" is not an origin such as https://shop.example`);
        }
        return url.origin;
      }),
    ),
  ];
}

/**
 * Accounts, sessions, API tokens, sites and share links: the rules, callable without a server.
 * Logins: a wrong password counts against the account (locked for lockMs after lockAfter in a row)
 * and against the client's address (LoginThrottle); unknown usernames cost the same scrypt time
 * as known ones and answer the same message.
 */
export function createAccounts(options: AccountsOptions) {
  const { store, sites } = options;
  const now = options.now ?? Date.now;
  const sessionTtlMs = options.sessionTtlMs ?? 7 * 24 * 3600_000;
  const lockAfter = options.lockAfter ?? 5;
  const lockMs = options.lockMs ?? 15 * 60_000;
  const throttle = options.throttle ?? createLoginThrottle({ now });
  let setupDigest: string | undefined;
  /**
   * Principals of recent credentials, for CACHE_MS: without it every dashboard request is a database
   * lookup (BENCHMARKS.md, "Accounts"). Any change to accounts in this process empties it; another
   * process (a second `pulse dashboard`) sees a revocation within CACHE_MS.
   */
  const cache = new Map<string, { principal: Principal; until: number }>();
  const forget = () => cache.clear();
  const cached = async (key: string, expires: (p: Principal) => number, load: () => Promise<Principal | undefined>) => {
    const hit = cache.get(key);
    if (hit !== undefined && hit.until > now()) return hit.principal;
    const principal = await load();
    if (principal === undefined) return undefined;
    if (cache.size >= 10_000) cache.clear();
    cache.set(key, { principal, until: Math.min(now() + CACHE_MS, expires(principal)) });
    return principal;
  };

  const knownSites = (keys: readonly string[]): string[] => {
    const records = new Set(sites.records().map((r) => r.key));
    const unknown = keys.filter((key) => !records.has(key));
    if (unknown.length > 0) throw badRequest('unknown_site', `unknown site key(s): ${unknown.join(', ')}`);
    return [...new Set(keys)];
  };

  /** A site named in a path must exist: 404 otherwise (a removed site's share links are gone with it). */
  const requireSite = (key: string): void => {
    if (!sites.records().some((r) => r.key === key)) throw notFound(`no site "${key}"`);
  };

  const requireUser = async (username: string): Promise<UserRecord> => {
    const user = await store.findUser({ username });
    if (user === undefined) throw notFound(`no user "${username}"`);
    return user;
  };

  /** Refuses a change that would leave no admin who can log in. */
  const keepAnAdmin = async (username: string): Promise<void> => {
    const admins = (await store.listUsers()).filter((u) => u.role === 'admin');
    if (admins.length === 1 && admins[0]?.username === username) throw conflict('this is the last admin: add another admin first');
  };

  const openSession = async (user: UserRecord): Promise<NewSession> => {
    const sessionId = newSecret('session');
    const csrf = newSecret('csrf');
    const expiresAt = now() + sessionTtlMs;
    await store.createSession({ idHash: digestOf(sessionId), userId: user.id, csrf, expiresAt });
    return {
      sessionId,
      csrf,
      expiresAt,
      principal: { kind: 'session', user, role: user.role, sites: scopeOf(user), csrf, sessionDigest: digestOf(sessionId) },
    };
  };

  const addUser = async (input: { username: string; password: string; role: Role; sites?: readonly string[] }): Promise<UserRecord> => {
    checkUsername(input.username);
    checkPassword(input.password);
    const grants = input.role === 'admin' ? [] : knownSites(input.sites ?? []);
    const created = await store.createUser({
      id: newId(),
      username: input.username,
      role: input.role,
      passwordHash: await hashPassword(input.password),
      sites: grants,
    });
    if (!created) throw conflict(`user "${input.username}" exists`);
    return requireUser(input.username);
  };

  return {
    store,
    sites,

    /** Whether no user exists yet (the first start): the dashboard offers the one-time setup link. */
    needsSetup: async (): Promise<boolean> => (await store.countUsers()) === 0,

    /** A one-time token that creates the first admin; issued only while there is no user. */
    async issueSetupToken(): Promise<string | undefined> {
      if ((await store.countUsers()) > 0) return undefined;
      const token = newSecret('setup');
      setupDigest = digestOf(token);
      return token;
    },

    async completeSetup(input: { token: string; username: string; password: string }): Promise<NewSession> {
      if (setupDigest === undefined || !safeEqual(digestOf(input.token), setupDigest)) {
        throw new PulseError(errorCodes.FORBIDDEN, 'this setup link is not valid (it works once, until the first admin exists)', {
          detail: 'invalid_setup_token',
        });
      }
      if ((await store.countUsers()) > 0) throw conflict('an admin exists already: log in');
      const user = await addUser({ username: input.username, password: input.password, role: 'admin' });
      setupDigest = undefined;
      return openSession(user);
    },

    async login(input: { username: string; password: string; client: string }): Promise<NewSession> {
      throttle.check(input.client);
      const user = await store.findUser({ username: input.username });
      if (user !== undefined && user.lockedUntil !== null && user.lockedUntil > now()) {
        await verifyPassword(decoyHash, input.password); // same time as a real check: the lock is not an oracle for the password
        throttle.fail(input.client);
        throw new PulseError(errorCodes.TOO_MANY_ATTEMPTS, 'this account is locked after too many failed logins; try again later', {
          detail: 'account_locked',
          retryAfterSeconds: Math.ceil((user.lockedUntil - now()) / 1000),
        });
      }
      const matches = await verifyPassword(user?.passwordHash ?? decoyHash, input.password);
      if (user === undefined || !matches) {
        throttle.fail(input.client);
        if (user !== undefined) {
          await store.recordLoginFailure(user.id, (failures) => (failures >= lockAfter ? now() + lockMs : null));
        }
        throw invalidLogin();
      }
      throttle.succeed(input.client);
      await store.recordLoginSuccess(user.id);
      return openSession(user);
    },

    async logout(sessionDigest: string): Promise<void> {
      forget();
      await store.deleteSession(sessionDigest);
    },

    /** The principal behind a request's credentials; undefined when it brings none; 401 when they are wrong. */
    async authenticate(credentials: Credentials): Promise<Principal | undefined> {
      const { bearer } = credentials;
      if (bearer !== undefined) {
        if (options.operatorToken !== undefined && safeEqual(bearer, options.operatorToken)) {
          return { kind: 'operator', role: 'admin', sites: 'all' };
        }
        const digest = digestOf(bearer);
        const principal = !isSecretOf('token', bearer)
          ? undefined
          : await cached(
              `t:${digest}`,
              () => Infinity,
              async () => {
                const user = await store.useToken(digest, now());
                return user === undefined ? undefined : { kind: 'token', user, role: user.role, sites: scopeOf(user) };
              },
            );
        if (principal === undefined) {
          throw new PulseError(errorCodes.UNAUTHORIZED, 'this API token is not valid (revoked, or never issued)', {
            detail: 'invalid_token',
          });
        }
        return principal;
      }
      if (credentials.session !== undefined && isSecretOf('session', credentials.session)) {
        const sessionDigest = digestOf(credentials.session);
        let expiresAt = 0;
        const principal = await cached(
          `s:${sessionDigest}`,
          () => expiresAt,
          async () => {
            const found = await store.findSession(sessionDigest, now());
            if (found === undefined) return undefined;
            expiresAt = found.expiresAt;
            const user = found.user;
            return { kind: 'session', user, role: user.role, sites: scopeOf(user), csrf: found.csrf, sessionDigest };
          },
        );
        if (principal !== undefined) return principal;
      }
      if (credentials.share !== undefined && isSecretOf('share', credentials.share)) {
        const digest = digestOf(credentials.share);
        const principal = await cached(
          `h:${digest}`,
          () => Infinity,
          async () => {
            const site = await store.findShare(digest);
            return site === undefined ? undefined : { kind: 'share', role: 'share', sites: new Set([site]) };
          },
        );
        if (principal !== undefined) return principal;
      }
      return undefined;
    },

    addUser,
    listUsers: (): Promise<UserRecord[]> => store.listUsers(),
    async removeUser(username: string): Promise<void> {
      await requireUser(username);
      await keepAnAdmin(username);
      forget();
      await store.removeUser(username);
    },
    async setPassword(username: string, password: string): Promise<void> {
      checkPassword(password);
      forget();
      if (!(await store.setPassword(username, await hashPassword(password)))) throw notFound(`no user "${username}"`);
    },
    async setRole(username: string, role: Role): Promise<UserRecord> {
      const user = await requireUser(username);
      if (user.role === 'admin' && role !== 'admin') await keepAnAdmin(username);
      forget();
      await store.setRole(username, role);
      return requireUser(username);
    },
    async grantSites(username: string, keys: readonly string[]): Promise<UserRecord> {
      await requireUser(username);
      forget();
      await store.setGrants(username, knownSites(keys));
      return requireUser(username);
    },

    async createToken(user: { id: string }, name: string): Promise<{ id: string; name: string; token: string }> {
      const token = newSecret('token');
      const id = newId();
      const stored = label(name);
      await store.createToken({ id, userId: user.id, name: stored, tokenHash: digestOf(token) });
      return { id, name: stored, token };
    },
    listTokens: (userId?: string): Promise<TokenRecord[]> => store.listTokens(userId),
    async revokeToken(id: string, userId?: string): Promise<void> {
      forget();
      if (!(await store.deleteToken(id, userId))) throw notFound(`no API token ${id}`);
    },

    listSites: (): readonly SiteRecord[] => sites.records(),
    async addSite(input: { key: string; name?: string | undefined; origins?: readonly string[] | undefined }): Promise<SiteRecord> {
      if (!isSiteKey(input.key)) throw badRequest('invalid_site_key', 'a site key is 1–64 letters, digits, _ . -');
      const added = await store.addSite({
        key: input.key,
        name: label(input.name ?? input.key),
        origins: normalizeOrigins(input.origins ?? []),
      });
      if (!added) throw conflict(`site "${input.key}" exists`);
      await sites.refresh();
      return sites.records().find((r) => r.key === input.key) as SiteRecord;
    },
    async updateSite(
      key: string,
      change: {
        name?: string | undefined;
        origins?: readonly string[] | undefined;
        excludedIps?: readonly string[] | undefined;
        excludedPaths?: readonly string[] | undefined;
      },
    ): Promise<SiteRecord> {
      const problems = [...(change.excludedIps ?? []).map(ipRuleProblem), ...(change.excludedPaths ?? []).map(pathRuleProblem)].filter(
        (p) => p !== undefined,
      );
      if (problems.length > 0) throw badRequest('invalid_shield', problems.join('; '));
      const updated = await store.updateSite(key, {
        ...(change.name === undefined ? {} : { name: label(change.name) }),
        ...(change.origins === undefined ? {} : { origins: normalizeOrigins(change.origins) }),
        ...(change.excludedIps === undefined ? {} : { excludedIps: [...new Set(change.excludedIps)] }),
        ...(change.excludedPaths === undefined ? {} : { excludedPaths: [...new Set(change.excludedPaths.map((p) => p.toWellFormed()))] }),
      });
      if (!updated) throw notFound(`no site "${key}"`);
      await sites.refresh();
      return sites.records().find((r) => r.key === key) as SiteRecord;
    },
    async removeSite(key: string): Promise<void> {
      if (sites.bootstrap.has(key)) throw conflict(`site "${key}" is listed in PULSE_SITES: remove it there first`);
      forget();
      if (!(await store.removeSite(key))) throw notFound(`no site "${key}"`);
      await sites.refresh();
    },

    async createShare(siteKey: string): Promise<{ id: string; token: string }> {
      requireSite(siteKey);
      const token = newSecret('share');
      const id = newId();
      await store.createShare({ id, siteKey, tokenHash: digestOf(token) });
      return { id, token };
    },
    async listShares(siteKey: string): Promise<ShareRecord[]> {
      requireSite(siteKey);
      return store.listShares(siteKey);
    },
    async revokeShare(siteKey: string, id: string): Promise<void> {
      forget();
      if (!(await store.deleteShare(siteKey, id))) throw notFound(`no share link ${id} on site "${siteKey}"`);
    },
    /** The site a share link opens, or undefined. */
    openShare: async (token: string): Promise<string | undefined> =>
      isSecretOf('share', token) ? store.findShare(digestOf(token)) : undefined,
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
