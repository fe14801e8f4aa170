import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlExecutor } from './sql-executor.ts';

export const migrationsDir = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

const fileName = /^(\d{3})_([a-z0-9_]+)\.sql$/;

/** The numbered files of `dir` (NNN_name.sql), in order; a gap or a repeated number is an error. */
export async function loadMigrations(dir = migrationsDir): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = fileName.exec(file);
    if (match === null) throw new Error(`migration file ${file}: expected NNN_name.sql`);
    const version = Number(match[1]);
    if (version !== migrations.length + 1) throw new Error(`migration file ${file}: expected number ${migrations.length + 1}`);
    const sql = await readFile(join(dir, file), 'utf8');
    migrations.push({ version, name: match[2] as string, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return migrations;
}

/**
 * Applies each migration not yet recorded in schema_migrations, in order, and records it; all in
 * one transaction, so a failing file leaves the schema as it was. An advisory lock makes concurrent
 * starts wait for each other instead of racing. A recorded migration whose file changed since is an
 * error (fix forward with a new file); so is a recorded one this version does not know (a downgrade).
 * Returns the versions applied now.
 */
export async function migrate(
  executor: SqlExecutor,
  options: { schema: string; dir?: string; table?: string; lockName?: string },
): Promise<number[]> {
  const migrations = await loadMigrations(options.dir);
  // Another set of files (the accounts store's) records its versions in a table and lock of its own.
  const table = options.table ?? 'schema_migrations';
  if (!/^[a-z_]+$/.test(table)) throw new RangeError(`invalid migrations table ${JSON.stringify(table)}`);
  const lockKey = `${options.lockName ?? 'pulse-warehouse-migrate'}:${options.schema}`;
  return executor.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey]);
    // The schema name was checked against schemaNamePattern: a plain identifier, safe to quote.
    await tx.script(`CREATE SCHEMA IF NOT EXISTS "${options.schema}";
      CREATE TABLE IF NOT EXISTS ${table} (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      );`);
    const applied = new Map(
      (await tx.query<{ version: number; checksum: string }>(`SELECT version, checksum FROM ${table}`)).map((row) => [
        row.version,
        row.checksum,
      ]),
    );
    const done: number[] = [];
    for (const migration of migrations) {
      const checksum = applied.get(migration.version);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new Error(`migration ${migration.version} (${migration.name}) changed after it was applied`);
        }
        continue;
      }
      await tx.script(migration.sql);
      await tx.query(`INSERT INTO ${table} (version, name, checksum) VALUES ($1, $2, $3)`, [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      done.push(migration.version);
    }
    const known = new Set(migrations.map((m) => m.version));
    const unknown = [...applied.keys()].filter((version) => !known.has(version));
    if (unknown.length > 0) throw new Error(`the database has migrations this version does not know: ${unknown.join(', ')}`);
    return done;
  });
}
