import { DatabaseSync } from 'node:sqlite';

/**
 * How Pulse opens a SQLite database (node:sqlite) for its embedded stores: WAL with
 * synchronous=NORMAL (a committed transaction survives the process dying; a power cut may lose the
 * last ones, which the log then delivers again), foreign keys on, and a wait instead of an error
 * when another connection holds the write lock. `file` absent: in memory, gone at close.
 */
export function openSqliteDatabase(file: string | undefined, pragmas = ''): DatabaseSync {
  const db = new DatabaseSync(file ?? ':memory:');
  db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; ${pragmas}`);
  return db;
}

/** Runs `work` in one write transaction: committed when it returns, rolled back when it throws. */
export function inTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
