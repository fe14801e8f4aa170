// Pulse runs its TypeScript sources directly. Node strips their types with a WebAssembly build of swc
// (amaro) that every thread loads on its first .ts module and keeps: ~18 MiB resident in each of
// `pulse start`'s two threads (BENCHMARKS.md, "Embedded mode end to end"). This module keeps each
// source's stripped text in PULSE_CACHE_DIR and answers module loads from it, so a start whose
// sources are all cached never loads the stripper. Node's own compile cache (NODE_COMPILE_CACHE) also
// skips stripping but keeps compiled code of every function it saw and made `pulse start` larger.
// Plain JavaScript on purpose: it must run before any TypeScript is loaded.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { registerHooks, stripTypeScriptTypes } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SUFFIX = '\n//# pulse-typescript-cache ';

/** The stripped text's key: the stripper's Node version and the source, so an edit is never served stale. */
function sourceKey(source) {
  return createHash('sha256').update(process.version).update('\0').update(source).digest('hex');
}

/**
 * Runs `strip` without the one ExperimentalWarning Node prints for calling `stripTypeScriptTypes`
 * (it is the stripper Node runs on every .ts module anyway): a first start should not alarm anyone.
 * @template T
 * @param {() => T} strip
 * @returns {T}
 */
function quietly(strip) {
  const emitWarning = process.emitWarning;
  process.emitWarning = (warning, ...rest) => {
    if (!String(warning).includes('stripTypeScriptTypes')) emitWarning.call(process, warning, ...rest);
  };
  try {
    return strip();
  } finally {
    process.emitWarning = emitWarning;
  }
}

/**
 * `source` with its types stripped (whitespace where they were, so stack traces keep their lines and
 * columns), read from `dir` when an earlier call stored it for the same text. One file per module
 * (named after its URL, overwritten when the source changes), ending with a comment that names the
 * source it was made from. A cache that cannot be read or written only costs the stripping.
 * @param {string} dir
 * @param {string} url
 * @param {string} source
 * @returns {string}
 */
export function strippedSource(dir, url, source) {
  const file = join(dir, `${createHash('sha256').update(url).digest('hex').slice(0, 32)}.js`);
  const stamp = `${SUFFIX}${sourceKey(source)}\n`;
  try {
    const cached = readFileSync(file, 'utf8');
    if (cached.endsWith(stamp)) return cached;
  } catch {
    // not cached yet
  }
  const stripped = `${quietly(() => stripTypeScriptTypes(source, { mode: 'strip' }))}${stamp}`;
  // Written beside and renamed over, as src/bus/embedded/atomic-file.ts does; that one is async
  // TypeScript, and a module load hook runs synchronously before any TypeScript can load.
  const partial = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(partial, stripped);
    renameSync(partial, file);
  } catch {
    // a read-only or full cache: strip again next time, leaving no partial file behind
    try {
      rmSync(partial, { force: true });
    } catch {
      // nothing was written
    }
  }
  return stripped;
}

/** Where the stripped sources are kept: PULSE_CACHE_DIR (default ~/.cache/pulse), `typescript/`. */
export function typescriptCacheDir(env = process.env) {
  return join(env['PULSE_CACHE_DIR'] || join(homedir(), '.cache', 'pulse'), 'typescript');
}

/** Answers this thread's loads of the project's .ts modules from the cache (node_modules are never stripped). */
export function registerTypescriptCache(dir = typescriptCacheDir()) {
  registerHooks({
    load(url, context, nextLoad) {
      if (context.format !== 'module-typescript' || !url.startsWith('file:') || !url.endsWith('.ts') || url.includes('/node_modules/'))
        return nextLoad(url, context);
      const source = readFileSync(fileURLToPath(url), 'utf8');
      return { format: 'module', source: strippedSource(dir, url, source), shortCircuit: true };
    },
  });
}
