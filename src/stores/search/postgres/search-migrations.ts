import { fileURLToPath } from 'node:url';
import { storeError } from '../../store-errors.ts';
import { loadMigrations } from '../../warehouse/postgres/migrations.ts';
import type { SqlExecutor, SqlSession } from '../../warehouse/postgres/sql-executor.ts';

export const searchMigrationsDir = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Where fuzzystrmatch goes when the database does not have it yet (kept out of per-run schemas, which tests drop). */
export const EXTENSIONS_SCHEMA = 'pulse_extensions';

/** A schema name from the catalog as a quoted identifier. */
export const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** The schema holding fuzzystrmatch (levenshtein), or null when the database does not have it. */
export async function fuzzystrmatchSchema(session: SqlSession): Promise<string | null> {
  const [row] = await session.query<{ schema: string }>(
    `SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'fuzzystrmatch'`,
  );
  return row?.schema ?? null;
}

/**
 * Makes sure fuzzystrmatch is installed (it is database-wide), in pulse_extensions when it was not
 * there already. On PGlite the extension must also have been loaded when PGlite started
 * (pgliteSearchExtensions). Outside the migration's transaction, so that a missing extension is
 * reported as the operator's to fix (the executor's transaction reports whatever fails inside it
 * as unavailable); a concurrent start installing it at the same moment is looked up again.
 */
async function ensureFuzzystrmatch(executor: SqlExecutor): Promise<string> {
  let failure: unknown;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const installed = await fuzzystrmatchSchema(executor);
    if (installed !== null) return installed;
    try {
      await executor.script(`CREATE SCHEMA IF NOT EXISTS ${EXTENSIONS_SCHEMA};
        CREATE EXTENSION IF NOT EXISTS fuzzystrmatch WITH SCHEMA ${EXTENSIONS_SCHEMA};`);
    } catch (error) {
      failure = error;
    }
  }
  const installed = await fuzzystrmatchSchema(executor);
  if (installed !== null) return installed;
  const hint =
    executor.engine === 'pglite'
      ? 'open PGlite with pgliteSearchExtensions (pgliteExecutor({ extensions: pgliteSearchExtensions }))'
      : 'install PostgreSQL contrib, or have an administrator run CREATE EXTENSION fuzzystrmatch';
  const reason = failure instanceof Error ? `: ${failure.message}` : '';
  throw storeError('failed', `${executor.engine} search migrate: the fuzzystrmatch extension is missing (${hint})${reason}`, failure);
}

/**
 * Applies the search index's numbered migrations (./migrations/NNN_name.sql) not yet recorded in
 * search_schema_migrations, in one transaction under a per-schema advisory lock, as the warehouse's
 * migrate() does for its own files (a table of its own, so the two never see each other's versions).
 * Returns the schema holding fuzzystrmatch.
 */
export async function migrateSearch(executor: SqlExecutor, options: { schema: string; dir?: string }): Promise<string> {
  const migrations = await loadMigrations(options.dir ?? searchMigrationsDir);
  const extensionSchema = await ensureFuzzystrmatch(executor);
  await executor.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`pulse-search-migrate:${options.schema}`]);
    // The schema name was checked against schemaNamePattern by the executor: a plain identifier.
    await tx.script(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(options.schema)};
      CREATE TABLE IF NOT EXISTS search_schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      );`);
    const applied = new Map(
      (await tx.query<{ version: number; checksum: string }>('SELECT version, checksum FROM search_schema_migrations')).map((row) => [
        row.version,
        row.checksum,
      ]),
    );
    for (const migration of migrations) {
      const checksum = applied.get(migration.version);
      if (checksum === undefined) {
        await tx.script(migration.sql);
        await tx.query('INSERT INTO search_schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          migration.checksum,
        ]);
      } else if (checksum !== migration.checksum) {
        throw storeError('failed', `search migration ${migration.version} (${migration.name}) changed after it was applied`);
      }
    }
    const known = new Set(migrations.map((m) => m.version));
    const unknown = [...applied.keys()].filter((version) => !known.has(version));
    if (unknown.length > 0)
      throw storeError('failed', `the database has search migrations this version does not know: ${unknown.join(', ')}`);
  });
  return extensionSchema;
}
