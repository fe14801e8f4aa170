import { mkdir } from 'node:fs/promises';
import { PGlite, type Extensions } from '@electric-sql/pglite';
import postgres from 'postgres';
import { PulseError } from '../../../shared/errors.ts';
import { postgresErrorKind, storeError } from '../../store-errors.ts';

/**
 * The seam between the warehouse and a PostgreSQL engine: the same SQL and migrations run on a
 * PostgreSQL server (porsager/postgres) and on PGlite (PostgreSQL compiled to WebAssembly, in process).
 * Statements are always parameterized ($1, $2, …); `script` (several statements, no parameters)
 * exists for migration files only.
 */
export interface SqlSession {
  query<Row extends object>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  script(text: string): Promise<void>;
}

export interface SqlExecutor extends SqlSession {
  readonly engine: 'postgres' | 'pglite';
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A PostgreSQL schema name Pulse accepts: a plain lower-case identifier (it ends up in search_path). */
export const schemaNamePattern = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresExecutorOptions {
  url: string;
  /** Every table lives in this schema (search_path); created by migrate(). Default: public. */
  schema?: string | undefined;
  /** Pool size (default 4). */
  max?: number | undefined;
}

/** Failures as Pulse's store errors, classified by SQLSTATE; the statement's parameters are left out. */
async function classified<T>(engine: string, what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    // Already classified (a statement inside a transaction): wrapping it again would call every failure unavailable.
    if (error instanceof PulseError) throw error;
    const kind = postgresErrorKind(error);
    const message = error instanceof Error ? error.message.split('\n', 1)[0] : String(error);
    throw storeError(kind, `${engine} ${what} failed (${kind}): ${message}`, error);
  }
}

/** The same session with every call's failures classified. */
function classifiedSession(engine: string, session: SqlSession): SqlSession {
  return {
    query: (text, params) => classified(engine, 'query', () => session.query(text, params)),
    script: (text) => classified(engine, 'script', () => session.script(text)),
  };
}

export function postgresExecutor(options: PostgresExecutorOptions): SqlExecutor {
  const schema = options.schema ?? 'public';
  if (!schemaNamePattern.test(schema)) throw new RangeError(`invalid schema name ${JSON.stringify(schema)}`);
  const sql = postgres(options.url, {
    max: options.max ?? 4,
    onnotice: () => undefined,
    // Set when each connection starts, before any statement: unqualified names resolve in the schema.
    // Custom plans always: a range read over one hour and one over a year must not share a generic plan.
    connection: { search_path: schema, application_name: 'pulse-warehouse', plan_cache_mode: 'force_custom_plan' },
  });
  const session = (run: postgres.Sql | postgres.TransactionSql): SqlSession => ({
    // A plain array of plain rows (postgres.js answers with an Array subclass carrying statement details).
    query: async <Row extends object>(text: string, params: readonly unknown[] = []) => [
      ...((await run.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true })) as unknown as Row[]),
    ],
    script: async (text: string) => {
      await run.unsafe(text);
    },
  });
  return {
    engine: 'postgres',
    ...classifiedSession('postgres', session(sql)),
    transaction: <T>(work: (tx: SqlSession) => Promise<T>) =>
      classified('postgres', 'transaction', async () => (await sql.begin((tx) => work(session(tx)))) as T),
    close: () => sql.end({ timeout: 5 }),
  };
}

export interface PgliteExecutorOptions {
  /** Where PGlite keeps its files (e.g. PULSE_DATA_DIR/pglite); absent: in memory, gone at close. */
  dir?: string | undefined;
  /** PGlite extensions to load (e.g. the search index's fuzzystrmatch); CREATE EXTENSION still enables them. */
  extensions?: Extensions | undefined;
}

export async function pgliteExecutor(options: PgliteExecutorOptions): Promise<SqlExecutor> {
  if (options.dir !== undefined) await mkdir(options.dir, { recursive: true });
  const extensions = options.extensions === undefined ? {} : { extensions: options.extensions };
  const db = options.dir === undefined ? new PGlite(extensions) : new PGlite(options.dir, extensions);
  await db.waitReady;
  const session = (run: Pick<PGlite, 'query' | 'exec'>): SqlSession => ({
    query: async <Row extends object>(text: string, params: readonly unknown[] = []) => (await run.query<Row>(text, [...params])).rows,
    script: async (text: string) => {
      await run.exec(text);
    },
  });
  return {
    engine: 'pglite',
    ...classifiedSession('pglite', session(db)),
    transaction: (work) => classified('pglite', 'transaction', () => db.transaction((tx) => work(session(tx)))),
    close: () => db.close(),
  };
}
