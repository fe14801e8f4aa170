import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';

/**
 * A new PGlite database runs initdb in a second WebAssembly instance: 4–6 CPU seconds and a peak near
 * 1 GiB resident before Pulse has done anything (measured in BENCHMARKS.md, "Embedded mode end to end").
 * Until Pulse's migrations run, every new database of one PGlite version is the same, so the first one
 * made on a machine is kept as a tarball (PGlite's own `dumpDataDir`, which its `clone()` uses) and later
 * new databases are loaded from it (`loadDataDir`): about 1 CPU second and less than half the peak.
 */

/** The installed PGlite's version: a template is only ever loaded by the version that made it. */
function pgliteVersion(): string {
  const require = createRequire(import.meta.url);
  for (let dir = dirname(require.resolve('@electric-sql/pglite')); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = require(join(dir, 'package.json')) as { name?: string; version?: string };
      if (pkg.name === '@electric-sql/pglite' && pkg.version !== undefined) return pkg.version;
    } catch {
      // no package.json at this level: look further up
    }
  }
  throw new Error('cannot find the version of @electric-sql/pglite');
}

/** In `cacheDir` (PULSE_CACHE_DIR, default `~/.cache/pulse`, where the scripts keep their downloads too). */
export function pgliteTemplateFile(cacheDir: string | undefined): string {
  return join(cacheDir ?? join(homedir(), '.cache', 'pulse'), `pglite-${pgliteVersion()}-datadir.tar`);
}

/** Whether `dir` holds no database yet (missing or empty): only then may a template be loaded into it. */
export async function isNewDataDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

/** The template's bytes, or undefined when there is none yet (or it cannot be read: then initdb runs). */
export async function readPgliteTemplate(file: string): Promise<Blob | undefined> {
  try {
    return new Blob([await readFile(file)]);
  } catch {
    return undefined;
  }
}

/**
 * Keeps `db`, freshly made by initdb and untouched since, as the template. Written to a temporary
 * file and renamed, so concurrent starts never read half a template; a failure only costs the next
 * start its initdb.
 */
export async function savePgliteTemplate(db: PGlite, file: string): Promise<void> {
  const partial = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
  try {
    await mkdir(dirname(file), { recursive: true });
    const tarball = await db.dumpDataDir('none');
    await writeFile(partial, Buffer.from(await tarball.arrayBuffer()));
    await rename(partial, file);
  } catch {
    await rm(partial, { force: true });
  }
}

/** A template that failed to load is removed, so the next start makes a good one. */
export async function discardPgliteTemplate(file: string): Promise<void> {
  await rm(file, { force: true });
}
