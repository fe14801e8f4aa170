import { fuzzystrmatch } from '@electric-sql/pglite/contrib/fuzzystrmatch';
import { pgliteExecutor, postgresExecutor, type SqlExecutor } from '../../warehouse/postgres/sql-executor.ts';
import type { SearchIndex } from '../search-index.ts';
import { createPostgresSearchIndex } from './postgres-search-index.ts';

/** The PGlite extensions the search index needs; give them to pgliteExecutor when sharing one PGlite. */
export const pgliteSearchExtensions = { fuzzystrmatch };

export interface PostgresSearchIndexConnection {
  /** postgres://user:password@host:port/database */
  url: string;
  /** Schema holding the tables (created by migrate()); default public. Tests use one per run. */
  schema?: string | undefined;
  /** Connections in the pool (default 4). */
  max?: number | undefined;
}

/** The search index on a PostgreSQL server (contrib's fuzzystrmatch must be installable or installed). */
export function connectPostgresSearchIndex(options: PostgresSearchIndexConnection): SearchIndex {
  const schema = options.schema ?? 'public';
  return createPostgresSearchIndex({
    executor: postgresExecutor({ url: options.url, schema, max: options.max }),
    kind: 'postgres',
    schema,
  });
}

export type PgliteSearchIndexOptions =
  /** A PGlite of its own, kept in `dir` (absent: in memory, gone at close). */
  | { dir?: string | undefined }
  /**
   * An open PGlite shared with others (the embedded warehouse's), opened with pgliteSearchExtensions;
   * the tables go to its public schema and close() leaves it open.
   */
  | { executor: SqlExecutor };

/** The search index on PGlite, for embedded mode. */
export async function openPgliteSearchIndex(options: PgliteSearchIndexOptions = {}): Promise<SearchIndex> {
  if ('executor' in options) {
    if (options.executor.engine !== 'pglite') throw new TypeError('openPgliteSearchIndex needs a PGlite executor');
    return createPostgresSearchIndex({ executor: options.executor, kind: 'pglite', closeExecutor: false });
  }
  const executor = await pgliteExecutor({ dir: options.dir, extensions: pgliteSearchExtensions });
  return createPostgresSearchIndex({ executor, kind: 'pglite' });
}
