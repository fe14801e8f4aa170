import { fileURLToPath } from 'node:url';
import { migrate } from '../../warehouse/postgres/migrations.ts';
import { pgliteExecutor, postgresExecutor, type SqlExecutor, type SqlSession } from '../../warehouse/postgres/sql-executor.ts';
import type { AccountStore, Role, SavedFunnelRecord, SiteRecord, StoredUser, TokenRecord, UserRecord } from '../account-store.ts';

export const accountMigrationsDir = fileURLToPath(new URL('./migrations/', import.meta.url));

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

interface UserRow {
  id: string;
  username: string;
  role: Role;
  password_hash: string;
  failed_logins: number;
  locked_until: number | null;
  created_at: string;
  sites: string[] | null;
}

const userColumns = `u.id, u.username, u.role, u.password_hash, u.failed_logins, ${epochMs('u.locked_until')} AS locked_until,
  ${iso('u.created_at')} AS created_at,
  (SELECT coalesce(array_agg(g.site_key ORDER BY g.site_key), '{}') FROM accounts_grants g WHERE g.user_id = u.id) AS sites`;

const toUser = (row: UserRow): StoredUser => ({
  id: row.id,
  username: row.username,
  role: row.role,
  sites: row.sites ?? [],
  createdAt: row.created_at,
  passwordHash: row.password_hash,
  failedLogins: row.failed_logins,
  lockedUntil: row.locked_until,
});

const publicUser = ({ id, username, role, sites, createdAt }: StoredUser): UserRecord => ({ id, username, role, sites, createdAt });

async function replaceGrants(tx: SqlSession, userId: string, sites: readonly string[]): Promise<void> {
  await tx.query('DELETE FROM accounts_grants WHERE user_id = $1', [userId]);
  // Only sites that exist: a grant to a key nobody created would open it the day someone does.
  if (sites.length > 0) {
    await tx.query(
      `INSERT INTO accounts_grants (user_id, site_key)
       SELECT $1, s.key FROM accounts_sites s WHERE s.key = ANY($2::text[]) ON CONFLICT DO NOTHING`,
      [userId, [...sites]],
    );
  }
}

interface FunnelRow {
  id: string;
  site_key: string;
  name: string;
  steps: SavedFunnelRecord['steps'] | string;
  funnel_order: SavedFunnelRecord['order'];
  window_seconds: number;
  count_by: SavedFunnelRecord['countBy'];
  created_by: string | null;
  created_at: string;
}

const toFunnel = (row: FunnelRow): SavedFunnelRecord => ({
  id: row.id,
  siteKey: row.site_key,
  name: row.name,
  // The steps were validated before they were saved (parseStep); jsonb arrives parsed from node-postgres, as text from some drivers.
  steps: typeof row.steps === 'string' ? (JSON.parse(row.steps) as SavedFunnelRecord['steps']) : row.steps,
  order: row.funnel_order,
  windowSeconds: Number(row.window_seconds),
  countBy: row.count_by,
  createdBy: row.created_by,
  createdAt: row.created_at,
});

export interface PostgresAccountStoreOptions {
  executor: SqlExecutor;
  schema?: string | undefined;
  /** False when the executor is shared (embedded mode's one PGlite). Default true. */
  closeExecutor?: boolean | undefined;
}

/** The AccountStore on PostgreSQL, or on PGlite in embedded mode: the same SQL over a SqlExecutor. */
export function createPostgresAccountStore(options: PostgresAccountStoreOptions): AccountStore {
  const db = options.executor;
  const schema = options.schema ?? 'public';
  const one = async <Row extends object>(text: string, params: readonly unknown[]) => (await db.query<Row>(text, params))[0];
  const changed = async (text: string, params: readonly unknown[]) => (await db.query(`${text} RETURNING 1 AS x`, params)).length > 0;

  return {
    kind: db.engine,
    async migrate() {
      await migrate(db, { schema, dir: accountMigrationsDir, table: 'accounts_schema_migrations', lockName: 'pulse-accounts-migrate' });
    },
    close: () => (options.closeExecutor === false ? Promise.resolve() : db.close()),

    async countUsers() {
      return Number((await one<{ n: number }>('SELECT count(*)::int AS n FROM accounts_users', []))?.n ?? 0);
    },
    createUser(user) {
      return db.transaction(async (tx) => {
        const inserted = await tx.query(
          `INSERT INTO accounts_users (id, username, role, password_hash) VALUES ($1, $2, $3, $4)
           ON CONFLICT (username) DO NOTHING RETURNING id`,
          [user.id, user.username, user.role, user.passwordHash],
        );
        if (inserted.length === 0) return false;
        await replaceGrants(tx, user.id, user.sites);
        return true;
      });
    },
    async findUser(by) {
      const [column, value] = 'id' in by ? ['id', by.id] : ['username', by.username];
      const row = await one<UserRow>(`SELECT ${userColumns} FROM accounts_users u WHERE u.${column} = $1`, [value]);
      return row === undefined ? undefined : toUser(row);
    },
    async listUsers() {
      return (await db.query<UserRow>(`SELECT ${userColumns} FROM accounts_users u ORDER BY u.username`)).map((row) =>
        publicUser(toUser(row)),
      );
    },
    removeUser: (username) => changed('DELETE FROM accounts_users WHERE username = $1', [username]),
    setPassword(username, passwordHash) {
      return db.transaction(async (tx) => {
        const rows = await tx.query<{ id: string }>(
          'UPDATE accounts_users SET password_hash = $2, failed_logins = 0, locked_until = NULL WHERE username = $1 RETURNING id',
          [username, passwordHash],
        );
        const id = rows[0]?.id;
        if (id === undefined) return false;
        await tx.query('DELETE FROM accounts_sessions WHERE user_id = $1', [id]);
        return true;
      });
    },
    setRole: (username, role) => changed('UPDATE accounts_users SET role = $2 WHERE username = $1', [username, role]),
    setGrants(username, sites) {
      return db.transaction(async (tx) => {
        const id = (await tx.query<{ id: string }>('SELECT id FROM accounts_users WHERE username = $1', [username]))[0]?.id;
        if (id === undefined) return false;
        await replaceGrants(tx, id, sites);
        return true;
      });
    },
    recordLoginFailure(userId, lockUntil) {
      return db.transaction(async (tx) => {
        const rows = await tx.query<{ failed_logins: number }>(
          'UPDATE accounts_users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins',
          [userId],
        );
        const failures = rows[0]?.failed_logins ?? 0;
        const until = lockUntil(failures);
        if (until !== null) {
          await tx.query('UPDATE accounts_users SET locked_until = to_timestamp($2::float8 / 1000), failed_logins = 0 WHERE id = $1', [
            userId,
            until,
          ]);
        }
        return failures;
      });
    },
    async recordLoginSuccess(userId) {
      await db.query('UPDATE accounts_users SET failed_logins = 0, locked_until = NULL WHERE id = $1', [userId]);
    },

    async createSession(session) {
      await db.query(
        'INSERT INTO accounts_sessions (id_hash, user_id, csrf, expires_at) VALUES ($1, $2, $3, to_timestamp($4::float8 / 1000))',
        [session.idHash, session.userId, session.csrf, session.expiresAt],
      );
    },
    async findSession(idHash, now) {
      const row = await one<UserRow & { csrf: string; expires_at: number }>(
        `SELECT ${userColumns}, s.csrf, ${epochMs('s.expires_at')} AS expires_at
         FROM accounts_sessions s JOIN accounts_users u ON u.id = s.user_id WHERE s.id_hash = $1`,
        [idHash],
      );
      if (row === undefined) return undefined;
      if (row.expires_at <= now) {
        await db.query('DELETE FROM accounts_sessions WHERE id_hash = $1 OR expires_at < now()', [idHash]);
        return undefined;
      }
      return { user: toUser(row), csrf: row.csrf, expiresAt: row.expires_at };
    },
    async deleteSession(idHash) {
      await db.query('DELETE FROM accounts_sessions WHERE id_hash = $1', [idHash]);
    },

    async createToken(token) {
      await db.query('INSERT INTO accounts_tokens (id, user_id, name, token_hash) VALUES ($1, $2, $3, $4)', [
        token.id,
        token.userId,
        token.name,
        token.tokenHash,
      ]);
    },
    async useToken(tokenHash, now) {
      const row = await one<UserRow & { token_id: string; last_used: number | null }>(
        `SELECT ${userColumns}, t.id AS token_id, ${epochMs('t.last_used_at')} AS last_used
         FROM accounts_tokens t JOIN accounts_users u ON u.id = t.user_id WHERE t.token_hash = $1`,
        [tokenHash],
      );
      if (row === undefined) return undefined;
      // To the minute: a script calling every second must not turn each read into a write.
      if (row.last_used === null || now - row.last_used >= 60_000) {
        await db.query('UPDATE accounts_tokens SET last_used_at = to_timestamp($2::float8 / 1000) WHERE id = $1', [row.token_id, now]);
      }
      return toUser(row);
    },
    async listTokens(userId) {
      const rows = await db.query<{
        id: string;
        user_id: string;
        username: string;
        name: string;
        created_at: string;
        last_used_at: string | null;
      }>(
        `SELECT t.id, t.user_id, u.username, t.name, ${iso('t.created_at')} AS created_at,
           CASE WHEN t.last_used_at IS NULL THEN NULL ELSE ${iso('t.last_used_at')} END AS last_used_at
         FROM accounts_tokens t JOIN accounts_users u ON u.id = t.user_id
         WHERE $1::text IS NULL OR t.user_id = $1 ORDER BY t.created_at, t.id`,
        [userId ?? null],
      );
      return rows.map((r): TokenRecord => ({
        id: r.id,
        userId: r.user_id,
        username: r.username,
        name: r.name,
        createdAt: r.created_at,
        lastUsedAt: r.last_used_at,
      }));
    },
    deleteToken: (id, userId) =>
      changed('DELETE FROM accounts_tokens WHERE id = $1 AND ($2::text IS NULL OR user_id = $2)', [id, userId ?? null]),

    async listSites() {
      const rows = await db.query<{
        key: string;
        name: string;
        origins: string[] | string;
        excluded_ips: string[] | string;
        excluded_paths: string[] | string;
        created_at: string;
      }>(
        `SELECT key, name, origins, excluded_ips, excluded_paths, ${iso('created_at')} AS created_at FROM accounts_sites ORDER BY created_at, key`,
      );
      const list = (value: string[] | string): string[] => (typeof value === 'string' ? (JSON.parse(value) as string[]) : value);
      return rows.map((r): SiteRecord => ({
        key: r.key,
        name: r.name,
        origins: list(r.origins),
        excludedIps: list(r.excluded_ips),
        excludedPaths: list(r.excluded_paths),
        createdAt: r.created_at,
      }));
    },
    addSite: (site) =>
      changed('INSERT INTO accounts_sites (key, name, origins) VALUES ($1, $2, $3::jsonb) ON CONFLICT (key) DO NOTHING', [
        site.key,
        site.name,
        JSON.stringify(site.origins),
      ]),
    updateSite: (key, change) => {
      const json = (value: readonly string[] | undefined) => (value === undefined ? null : JSON.stringify(value));
      return changed(
        `UPDATE accounts_sites SET name = coalesce($2, name), origins = coalesce($3::jsonb, origins),
           excluded_ips = coalesce($4::jsonb, excluded_ips), excluded_paths = coalesce($5::jsonb, excluded_paths)
         WHERE key = $1`,
        [key, change.name ?? null, json(change.origins), json(change.excludedIps), json(change.excludedPaths)],
      );
    },
    removeSite: (key) => changed('DELETE FROM accounts_sites WHERE key = $1', [key]),

    async createShare(share) {
      await db.query('INSERT INTO accounts_shares (id, site_key, token_hash) VALUES ($1, $2, $3)', [
        share.id,
        share.siteKey,
        share.tokenHash,
      ]);
    },
    async findShare(tokenHash) {
      return (await one<{ site_key: string }>('SELECT site_key FROM accounts_shares WHERE token_hash = $1', [tokenHash]))?.site_key;
    },
    async listShares(siteKey) {
      const rows = await db.query<{ id: string; site_key: string; created_at: string }>(
        `SELECT id, site_key, ${iso('created_at')} AS created_at FROM accounts_shares WHERE site_key = $1 ORDER BY created_at, id`,
        [siteKey],
      );
      return rows.map((r) => ({ id: r.id, siteKey: r.site_key, createdAt: r.created_at }));
    },
    deleteShare: (siteKey, id) => changed('DELETE FROM accounts_shares WHERE site_key = $1 AND id = $2', [siteKey, id]),

    async listFunnels(siteKey) {
      const rows = await db.query<FunnelRow>(
        `SELECT f.id, f.site_key, f.name, f.steps, f.funnel_order, f.window_seconds, f.count_by, u.username AS created_by,
           ${iso('f.created_at')} AS created_at
         FROM accounts_funnels f LEFT JOIN accounts_users u ON u.id = f.created_by
         WHERE f.site_key = $1 ORDER BY f.name, f.id`,
        [siteKey],
      );
      return rows.map(toFunnel);
    },
    addFunnel(funnel) {
      return db.transaction(async (tx) => {
        const site = await tx.query('SELECT 1 AS x FROM accounts_sites WHERE key = $1', [funnel.siteKey]);
        if (site.length === 0) return 'unknown_site' as const;
        const inserted = await tx.query(
          `INSERT INTO accounts_funnels (id, site_key, name, steps, funnel_order, window_seconds, count_by, created_by)
           VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, (SELECT id FROM accounts_users WHERE id = $8))
           ON CONFLICT (site_key, name) DO NOTHING RETURNING id`,
          [
            funnel.id,
            funnel.siteKey,
            funnel.name,
            JSON.stringify(funnel.steps),
            funnel.order,
            funnel.windowSeconds,
            funnel.countBy,
            funnel.createdByUserId,
          ],
        );
        return inserted.length === 0 ? ('name_taken' as const) : ('added' as const);
      });
    },
    deleteFunnel: (siteKey, id) => changed('DELETE FROM accounts_funnels WHERE site_key = $1 AND id = $2', [siteKey, id]),
  };
}

/** The accounts store on a PostgreSQL server (distributed mode, PULSE_POSTGRES_URL). */
export function connectPostgresAccountStore(options: { url: string; schema?: string | undefined }): AccountStore {
  const schema = options.schema ?? 'public';
  return createPostgresAccountStore({ executor: postgresExecutor({ url: options.url, schema, max: 2 }), schema });
}

/** The accounts store on a PGlite of its own (`dir`, or in memory). */
export async function openPgliteAccountStore(dir?: string): Promise<AccountStore> {
  return createPostgresAccountStore({ executor: await pgliteExecutor({ dir }) });
}
