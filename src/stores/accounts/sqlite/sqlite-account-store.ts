import type { SQLInputValue } from 'node:sqlite';
import { inTransaction, openSqliteDatabase } from '../../sqlite-database.ts';
import { migrateSqlite, type SqliteMigration } from '../../warehouse/sqlite/schema.ts';
import type { AccountStore, Role, SavedFunnelRecord, SiteRecord, StoredUser, TokenRecord, UserRecord } from '../account-store.ts';

/**
 * The AccountStore on SQLite (Node's built-in node:sqlite): embedded mode's accounts, sites, sessions,
 * tokens, share links and saved funnels in PULSE_DATA_DIR/accounts.sqlite, the same tables as the
 * PostgreSQL store (src/stores/accounts/postgres/migrations/). Its statements are few and small (a
 * session lookup is cached by the auth layer), so they run on the caller's thread; the file is its
 * own, so the warehouse's long write transactions never make an account write wait.
 * Times: created_at as ISO text (UTC, ms), the rest as epoch ms.
 */

const now = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;

export const accountMigrations: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'accounts',
    sql: `
CREATE TABLE accounts_users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
  password_hash TEXT NOT NULL,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER,
  created_at TEXT NOT NULL DEFAULT (${now})
);
CREATE TABLE accounts_sites (
  key TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  origins TEXT NOT NULL DEFAULT '[]',
  excluded_ips TEXT NOT NULL DEFAULT '[]',
  excluded_paths TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL DEFAULT (${now})
);
CREATE TABLE accounts_grants (
  user_id TEXT NOT NULL REFERENCES accounts_users (id) ON DELETE CASCADE,
  site_key TEXT NOT NULL REFERENCES accounts_sites (key) ON DELETE CASCADE,
  PRIMARY KEY (user_id, site_key)
) WITHOUT ROWID;
CREATE TABLE accounts_sessions (
  id_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES accounts_users (id) ON DELETE CASCADE,
  csrf TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (${now}),
  expires_at INTEGER NOT NULL
);
CREATE INDEX accounts_sessions_user ON accounts_sessions (user_id);
CREATE INDEX accounts_sessions_expiry ON accounts_sessions (expires_at);
CREATE TABLE accounts_tokens (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES accounts_users (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL DEFAULT (${now}),
  last_used_at INTEGER
);
CREATE INDEX accounts_tokens_user ON accounts_tokens (user_id);
CREATE TABLE accounts_shares (
  id TEXT PRIMARY KEY,
  site_key TEXT NOT NULL REFERENCES accounts_sites (key) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL DEFAULT (${now})
);
CREATE INDEX accounts_shares_site ON accounts_shares (site_key);
CREATE TABLE accounts_funnels (
  id TEXT PRIMARY KEY,
  site_key TEXT NOT NULL REFERENCES accounts_sites (key) ON DELETE CASCADE,
  name TEXT NOT NULL,
  steps TEXT NOT NULL,
  funnel_order TEXT NOT NULL CHECK (funnel_order IN ('sequential', 'strict', 'any')),
  window_seconds INTEGER NOT NULL CHECK (window_seconds > 0),
  count_by TEXT NOT NULL CHECK (count_by IN ('visitors', 'sessions')),
  created_by TEXT REFERENCES accounts_users (id) ON DELETE SET NULL,
  created_at TEXT NOT NULL DEFAULT (${now}),
  UNIQUE (site_key, name)
);`,
  },
];

interface UserRow {
  id: string;
  username: string;
  role: Role;
  password_hash: string;
  failed_logins: number;
  locked_until: number | null;
  created_at: string;
  sites: string;
}

const userColumns = `u.id, u.username, u.role, u.password_hash, u.failed_logins, u.locked_until, u.created_at,
  (SELECT json_group_array(site_key) FROM (SELECT g.site_key FROM accounts_grants g WHERE g.user_id = u.id ORDER BY g.site_key)) AS sites`;

const toUser = (row: UserRow): StoredUser => ({
  id: row.id,
  username: row.username,
  role: row.role,
  sites: JSON.parse(row.sites) as string[],
  createdAt: row.created_at,
  passwordHash: row.password_hash,
  failedLogins: Number(row.failed_logins),
  lockedUntil: row.locked_until === null ? null : Number(row.locked_until),
});

const publicUser = ({ id, username, role, sites, createdAt }: StoredUser): UserRecord => ({ id, username, role, sites, createdAt });

const isoOf = (ms: number | null): string | null => (ms === null ? null : new Date(Number(ms)).toISOString());

/** The AccountStore in `file` (absent: in memory, gone at close). */
export function openSqliteAccountStore(file?: string): AccountStore {
  const db = openSqliteDatabase(file);

  const rows = <T>(text: string, ...params: SQLInputValue[]): T[] => db.prepare(text).all(...params) as T[];
  const one = <T>(text: string, ...params: SQLInputValue[]): T | undefined => db.prepare(text).get(...params) as T | undefined;
  const changed = (text: string, ...params: SQLInputValue[]): boolean => Number(db.prepare(text).run(...params).changes) > 0;
  const transaction = <T>(work: () => T): T => inTransaction(db, work);
  const replaceGrants = (userId: string, sites: readonly string[]): void => {
    db.prepare('DELETE FROM accounts_grants WHERE user_id = ?').run(userId);
    // Only sites that exist: a grant to a key nobody created would open it the day someone does.
    const grant = db.prepare('INSERT OR IGNORE INTO accounts_grants (user_id, site_key) SELECT ?, key FROM accounts_sites WHERE key = ?');
    for (const site of sites) grant.run(userId, site);
  };
  const idOf = (username: string) => one<{ id: string }>('SELECT id FROM accounts_users WHERE username = ?', username)?.id;

  return {
    kind: 'sqlite',
    async migrate() {
      migrateSqlite(db, accountMigrations, 'accounts_schema_migrations');
    },
    async close() {
      if (db.isOpen) db.close();
    },

    async countUsers() {
      return Number(one<{ n: number }>('SELECT count(*) AS n FROM accounts_users')?.n ?? 0);
    },
    async createUser(user) {
      return transaction(() => {
        if (
          !changed(
            'INSERT INTO accounts_users (id, username, role, password_hash) VALUES (?, ?, ?, ?) ON CONFLICT (username) DO NOTHING',
            user.id,
            user.username,
            user.role,
            user.passwordHash,
          )
        )
          return false;
        replaceGrants(user.id, user.sites);
        return true;
      });
    },
    async findUser(by) {
      const row =
        'id' in by
          ? one<UserRow>(`SELECT ${userColumns} FROM accounts_users u WHERE u.id = ?`, by.id)
          : one<UserRow>(`SELECT ${userColumns} FROM accounts_users u WHERE u.username = ?`, by.username);
      return row === undefined ? undefined : toUser(row);
    },
    async listUsers() {
      return rows<UserRow>(`SELECT ${userColumns} FROM accounts_users u ORDER BY u.username`).map((row) => publicUser(toUser(row)));
    },
    async removeUser(username) {
      return changed('DELETE FROM accounts_users WHERE username = ?', username);
    },
    async setPassword(username, passwordHash) {
      return transaction(() => {
        const id = idOf(username);
        if (id === undefined) return false;
        db.prepare('UPDATE accounts_users SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE id = ?').run(
          passwordHash,
          id,
        );
        db.prepare('DELETE FROM accounts_sessions WHERE user_id = ?').run(id);
        return true;
      });
    },
    async setRole(username, role) {
      return changed('UPDATE accounts_users SET role = ? WHERE username = ?', role, username);
    },
    async setGrants(username, sites) {
      return transaction(() => {
        const id = idOf(username);
        if (id === undefined) return false;
        replaceGrants(id, sites);
        return true;
      });
    },
    async recordLoginFailure(userId, lockUntil) {
      return transaction(() => {
        const row = one<{ failed_logins: number }>(
          'UPDATE accounts_users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins',
          userId,
        );
        const failures = Number(row?.failed_logins ?? 0);
        const until = lockUntil(failures);
        if (until !== null) db.prepare('UPDATE accounts_users SET locked_until = ?, failed_logins = 0 WHERE id = ?').run(until, userId);
        return failures;
      });
    },
    async recordLoginSuccess(userId) {
      db.prepare('UPDATE accounts_users SET failed_logins = 0, locked_until = NULL WHERE id = ?').run(userId);
    },

    async createSession(session) {
      db.prepare('INSERT INTO accounts_sessions (id_hash, user_id, csrf, expires_at) VALUES (?, ?, ?, ?)').run(
        session.idHash,
        session.userId,
        session.csrf,
        session.expiresAt,
      );
    },
    async findSession(idHash, at) {
      const row = one<UserRow & { csrf: string; expires_at: number }>(
        `SELECT ${userColumns}, s.csrf, s.expires_at FROM accounts_sessions s JOIN accounts_users u ON u.id = s.user_id WHERE s.id_hash = ?`,
        idHash,
      );
      if (row === undefined) return undefined;
      if (Number(row.expires_at) <= at) {
        db.prepare('DELETE FROM accounts_sessions WHERE id_hash = ? OR expires_at < ?').run(idHash, at);
        return undefined;
      }
      return { user: toUser(row), csrf: row.csrf, expiresAt: Number(row.expires_at) };
    },
    async deleteSession(idHash) {
      db.prepare('DELETE FROM accounts_sessions WHERE id_hash = ?').run(idHash);
    },

    async createToken(token) {
      db.prepare('INSERT INTO accounts_tokens (id, user_id, name, token_hash) VALUES (?, ?, ?, ?)').run(
        token.id,
        token.userId,
        token.name,
        token.tokenHash,
      );
    },
    async useToken(tokenHash, at) {
      const row = one<UserRow & { token_id: string; last_used: number | null }>(
        `SELECT ${userColumns}, t.id AS token_id, t.last_used_at AS last_used
         FROM accounts_tokens t JOIN accounts_users u ON u.id = t.user_id WHERE t.token_hash = ?`,
        tokenHash,
      );
      if (row === undefined) return undefined;
      // To the minute: a script calling every second must not turn each read into a write.
      if (row.last_used === null || at - Number(row.last_used) >= 60_000)
        db.prepare('UPDATE accounts_tokens SET last_used_at = ? WHERE id = ?').run(at, row.token_id);
      return toUser(row);
    },
    async listTokens(userId) {
      const list = rows<{ id: string; user_id: string; username: string; name: string; created_at: string; last_used_at: number | null }>(
        `SELECT t.id, t.user_id, u.username, t.name, t.created_at, t.last_used_at
         FROM accounts_tokens t JOIN accounts_users u ON u.id = t.user_id
         WHERE ? IS NULL OR t.user_id = ? ORDER BY t.created_at, t.id`,
        userId ?? null,
        userId ?? null,
      );
      return list.map((r): TokenRecord => ({
        id: r.id,
        userId: r.user_id,
        username: r.username,
        name: r.name,
        createdAt: r.created_at,
        lastUsedAt: isoOf(r.last_used_at),
      }));
    },
    async deleteToken(id, userId) {
      return changed('DELETE FROM accounts_tokens WHERE id = ? AND (? IS NULL OR user_id = ?)', id, userId ?? null, userId ?? null);
    },

    async listSites() {
      const list = rows<{ key: string; name: string; origins: string; excluded_ips: string; excluded_paths: string; created_at: string }>(
        'SELECT key, name, origins, excluded_ips, excluded_paths, created_at FROM accounts_sites ORDER BY created_at, key',
      );
      return list.map((r): SiteRecord => ({
        key: r.key,
        name: r.name,
        origins: JSON.parse(r.origins) as string[],
        excludedIps: JSON.parse(r.excluded_ips) as string[],
        excludedPaths: JSON.parse(r.excluded_paths) as string[],
        createdAt: r.created_at,
      }));
    },
    async addSite(site) {
      return changed(
        'INSERT INTO accounts_sites (key, name, origins) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING',
        site.key,
        site.name,
        JSON.stringify(site.origins),
      );
    },
    async updateSite(key, change) {
      const json = (value: readonly string[] | undefined) => (value === undefined ? null : JSON.stringify(value));
      return changed(
        `UPDATE accounts_sites SET name = coalesce(?, name), origins = coalesce(?, origins),
           excluded_ips = coalesce(?, excluded_ips), excluded_paths = coalesce(?, excluded_paths)
         WHERE key = ?`,
        change.name ?? null,
        json(change.origins),
        json(change.excludedIps),
        json(change.excludedPaths),
        key,
      );
    },
    async removeSite(key) {
      return changed('DELETE FROM accounts_sites WHERE key = ?', key);
    },

    async createShare(share) {
      db.prepare('INSERT INTO accounts_shares (id, site_key, token_hash) VALUES (?, ?, ?)').run(share.id, share.siteKey, share.tokenHash);
    },
    async findShare(tokenHash) {
      return one<{ site_key: string }>('SELECT site_key FROM accounts_shares WHERE token_hash = ?', tokenHash)?.site_key;
    },
    async listShares(siteKey) {
      return rows<{ id: string; site_key: string; created_at: string }>(
        'SELECT id, site_key, created_at FROM accounts_shares WHERE site_key = ? ORDER BY created_at, id',
        siteKey,
      ).map((r) => ({ id: r.id, siteKey: r.site_key, createdAt: r.created_at }));
    },
    async deleteShare(siteKey, id) {
      return changed('DELETE FROM accounts_shares WHERE site_key = ? AND id = ?', siteKey, id);
    },

    async listFunnels(siteKey) {
      const list = rows<{
        id: string;
        site_key: string;
        name: string;
        steps: string;
        funnel_order: SavedFunnelRecord['order'];
        window_seconds: number;
        count_by: SavedFunnelRecord['countBy'];
        created_by: string | null;
        created_at: string;
      }>(
        `SELECT f.id, f.site_key, f.name, f.steps, f.funnel_order, f.window_seconds, f.count_by, u.username AS created_by, f.created_at
         FROM accounts_funnels f LEFT JOIN accounts_users u ON u.id = f.created_by
         WHERE f.site_key = ? ORDER BY f.name, f.id`,
        siteKey,
      );
      return list.map((r): SavedFunnelRecord => ({
        id: r.id,
        siteKey: r.site_key,
        name: r.name,
        // The steps were validated before they were saved (parseStep).
        steps: JSON.parse(r.steps) as SavedFunnelRecord['steps'],
        order: r.funnel_order,
        windowSeconds: Number(r.window_seconds),
        countBy: r.count_by,
        createdBy: r.created_by,
        createdAt: r.created_at,
      }));
    },
    async addFunnel(funnel) {
      return transaction(() => {
        if (one('SELECT 1 AS x FROM accounts_sites WHERE key = ?', funnel.siteKey) === undefined) return 'unknown_site' as const;
        const added = changed(
          `INSERT INTO accounts_funnels (id, site_key, name, steps, funnel_order, window_seconds, count_by, created_by)
           VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT id FROM accounts_users WHERE id = ?)) ON CONFLICT (site_key, name) DO NOTHING`,
          funnel.id,
          funnel.siteKey,
          funnel.name,
          JSON.stringify(funnel.steps),
          funnel.order,
          funnel.windowSeconds,
          funnel.countBy,
          funnel.createdByUserId,
        );
        return added ? ('added' as const) : ('name_taken' as const);
      });
    },
    async deleteFunnel(siteKey, id) {
      return changed('DELETE FROM accounts_funnels WHERE site_key = ? AND id = ?', siteKey, id);
    },
  };
}
