import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pgliteExecutor, type SqlExecutor } from '../../../src/stores/warehouse/postgres/sql-executor.ts';

/** initdb gives every database a system identifier of its own; one loaded from the template has the template's. */
const systemIdentifier = async (db: SqlExecutor): Promise<string> =>
  (await db.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()'))[0]?.id ?? '';

describe('PGlite: new databases from a template instead of initdb', () => {
  let root: string;
  let template: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'pulse-pglite-template-'));
    template = join(root, 'cache', 'template.tar');
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('the first new database makes the template; the next new one is loaded from it and is a database of its own', async () => {
    const first = await pgliteExecutor({ dir: join(root, 'a'), template });
    let firstId: string;
    try {
      firstId = await systemIdentifier(first);
      assert.ok((await stat(template)).size > 1_000_000, 'the template was written');
      await first.script('CREATE TABLE only_in_a (x int); INSERT INTO only_in_a VALUES (1);');
    } finally {
      await first.close();
    }
    const second = await pgliteExecutor({ dir: join(root, 'b'), template });
    try {
      assert.equal(await systemIdentifier(second), firstId, 'loaded from the template, not made by initdb');
      const tables = await second.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'only_in_a'");
      assert.equal(tables[0]?.n, 0, 'the template is the new database, nothing written after it');
      await second.script('CREATE TABLE only_in_b (x int)');
    } finally {
      await second.close();
    }
    // An existing database is opened as it is.
    const again = await pgliteExecutor({ dir: join(root, 'a'), template });
    try {
      assert.deepEqual(await again.query('SELECT x FROM only_in_a'), [{ x: 1 }]);
    } finally {
      await again.close();
    }
    const inMemory = await pgliteExecutor({ template });
    try {
      assert.equal(await systemIdentifier(inMemory), firstId, 'an in-memory database is loaded from it too');
    } finally {
      await inMemory.close();
    }
  });

  test('a damaged template is replaced: the new database is made by initdb and works', async () => {
    const damaged = join(root, 'damaged.tar');
    await writeFile(damaged, 'not a tarball');
    const db = await pgliteExecutor({ dir: join(root, 'c'), template: damaged });
    try {
      assert.deepEqual(await db.query('SELECT 1 AS one'), [{ one: 1 }]);
    } finally {
      await db.close();
    }
    assert.notEqual((await readFile(damaged)).toString('utf8', 0, 13), 'not a tarball', 'a good template replaced it');
  });

  test('template: false runs initdb', async () => {
    const fromTemplate = await pgliteExecutor({ template });
    const made = await pgliteExecutor({ template: false });
    try {
      assert.notEqual(await systemIdentifier(made), await systemIdentifier(fromTemplate));
    } finally {
      await Promise.all([made.close(), fromTemplate.close()]);
    }
  });
});
