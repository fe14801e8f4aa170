import { mkdir, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PGlite, type Extensions } from '@electric-sql/pglite';
import postgres from 'postgres';
import { PulseError } from '../../../shared/errors.ts';
import { postgresErrorKind, storeError } from '../../store-errors.ts';
import { pgliteTemplateFile, discardPgliteTemplate, isNewDataDir, readPgliteTemplate, savePgliteTemplate } from './pglite-template.ts';

/**
 * The seam between the warehouse and a PostgreSQL engine: the same SQL and migrations run on a
 * PostgreSQL server (porsager/postgres) and on PGlite (PostgreSQL compiled to WebAssembly, in process).
 * Statements are always parameterized ($1, $2, …); `script` (several statements, no parameters)
 * exists for migration files only; `copyFrom` is the bulk path for rows (COPY's text format).
 */
export interface SqlSession {
  query<Row extends object>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  script(text: string): Promise<void>;
  /**
   * COPY `target` (`table (column, …)`, a fixed fragment, never a value) from the client; `chunks`
   * are whole lines of COPY text format. Read lazily: a server builds rows while the next chunk is made.
   */
  copyFrom(target: string, chunks: Iterable<string>): Promise<void>;
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
export async function classified<T>(engine: string, what: string, work: () => Promise<T>): Promise<T> {
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
export function classifiedSession(engine: string, session: SqlSession): SqlSession {
  return {
    query: (text, params) => classified(engine, 'query', () => session.query(text, params)),
    script: (text) => classified(engine, 'script', () => session.script(text)),
    copyFrom: (target, chunks) => classified(engine, 'copy', () => session.copyFrom(target, chunks)),
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
    // Backpressure and a server error ending the COPY both reach pipeline(), which rejects on either.
    copyFrom: async (target: string, chunks: Iterable<string>) => {
      const writable = await run.unsafe(`COPY ${target} FROM STDIN`).writable();
      await pipeline(Readable.from(chunks, { objectMode: false }), writable);
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
  /** PostgreSQL settings for this instance (name → value, as in postgresql.conf); default `pgliteLeanSettings`. */
  settings?: Readonly<Record<string, string>> | undefined;
  /**
   * The tarball a new database is loaded from instead of running initdb, made from the first new
   * database when missing (pglite-template.ts); default `pgliteTemplateFile(process.env.PULSE_CACHE_DIR)`
   * (the composition root passes its configured one), false: always initdb.
   */
  template?: string | false | undefined;
}

/**
 * Settings for an embedded PGlite that shares its process with everything else. PostgreSQL's
 * shared_buffers (128 MB by default, 160 MB in PGlite) live inside WebAssembly memory, which grows
 * but never shrinks: a small pool keeps that memory small, and the OS page cache (not counted in
 * the process's RSS) caches the table files instead. Measured in bench/embedded-warehouse.ts.
 */
export const pgliteLeanSettings: Readonly<Record<string, string>> = {
  shared_buffers: '16MB',
  temp_buffers: '2MB',
  wal_buffers: '1MB',
  maintenance_work_mem: '16MB',
};

const settingNamePattern = /^[a-z_]+$/;
const settingValuePattern = /^[A-Za-z0-9._-]+$/;

/** postgresql.conf lines for PGlite; names and values are checked, never quoted through. */
function pgliteConf(settings: Readonly<Record<string, string>>): string[] {
  return Object.entries(settings).map(([name, value]) => {
    if (!settingNamePattern.test(name) || !settingValuePattern.test(value))
      throw new RangeError(`invalid PGlite setting ${JSON.stringify(name)} = ${JSON.stringify(value)}`);
    return `${name} = '${value}'`;
  });
}

/** Opens PGlite on `options.dir` (or in memory); a new database comes from the template when there is one. */
export async function openPglite(options: PgliteExecutorOptions): Promise<PGlite> {
  const dir = options.dir;
  const extensions = options.extensions === undefined ? {} : { extensions: options.extensions };
  // Lean unless told otherwise; `settings: {}` keeps PGlite's own defaults.
  const conf = { postgresqlconf: pgliteConf(options.settings ?? pgliteLeanSettings) };
  const open = async (loadDataDir?: Blob): Promise<PGlite> => {
    const more = { ...extensions, ...conf, ...(loadDataDir === undefined ? {} : { loadDataDir }) };
    const db = dir === undefined ? new PGlite(more) : new PGlite(dir, more);
    await db.waitReady;
    return db;
  };
  const templateFile = options.template === false ? undefined : (options.template ?? pgliteTemplateFile(process.env['PULSE_CACHE_DIR']));
  const isNew = dir === undefined || (await isNewDataDir(dir));
  if (dir !== undefined) await mkdir(dir, { recursive: true });
  if (templateFile === undefined || !isNew) return open();
  const template = await readPgliteTemplate(templateFile);
  if (template !== undefined) {
    try {
      return await open(template);
    } catch {
      // A damaged template: removed, the directory emptied again (it was new), and initdb runs instead.
      await discardPgliteTemplate(templateFile);
      if (dir !== undefined) {
        await rm(dir, { recursive: true, force: true });
        await mkdir(dir, { recursive: true });
      }
    }
  }
  const db = await open();
  await savePgliteTemplate(db, templateFile);
  return db;
}

export async function pgliteExecutor(options: PgliteExecutorOptions): Promise<SqlExecutor> {
  const db = await openPglite(options);
  const session = (run: Pick<PGlite, 'query' | 'exec'>): SqlSession => ({
    query: async <Row extends object>(text: string, params: readonly unknown[] = []) => (await run.query<Row>(text, [...params])).rows,
    script: async (text: string) => {
      await run.exec(text);
    },
    // PGlite has no client stream: COPY reads the whole text as a blob through its virtual /dev/blob.
    copyFrom: async (target: string, chunks: Iterable<string>) => {
      await run.query(`COPY ${target} FROM '/dev/blob'`, [], { blob: new Blob([...chunks]) });
    },
  });
  return {
    engine: 'pglite',
    ...classifiedSession('pglite', session(db)),
    transaction: (work) => classified('pglite', 'transaction', () => db.transaction((tx) => work(session(tx)))),
    close: () => db.close(),
  };
}
