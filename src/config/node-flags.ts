/**
 * V8 sizes its young generation for throughput: under load a Node process grows each semi-space to
 * 32–64 MiB and keeps them, about 130 MiB of resident memory that `pulse start` never gives back.
 * Embedded Pulse is the one meant for a small box, so it runs with small semi-spaces unless told
 * otherwise. Heap limits are fixed when the isolate is made, so this takes a new process image
 * (`process.execve`: same pid, same terminal, no parent left behind), decided before anything loads.
 */

/**
 * PGlite is PostgreSQL compiled to WebAssembly, and V8 optimising it at start holds ~500 MiB for a few
 * seconds (and leaves ~100 MiB of freed compile memory in glibc's arenas): on a small box that peak
 * is most of the memory Pulse needs. So `pulse start` runs WebAssembly with V8's baseline compiler
 * only, for 23–28% fewer events a second end to end and slower History reads (BENCHMARKS.md,
 * "Embedded mode end to end" measures both); PULSE_WASM_OPTIMIZE=true gives V8's optimising tier back.
 */
export const WASM_OPTIMIZE_SETTING = 'PULSE_WASM_OPTIMIZE';
const BASELINE_WASM_FLAGS = ['--liftoff-only', '--wasm-lazy-compilation'];
/** Flags that mean the caller chose how WebAssembly is compiled. */
const WASM_CHOICES = [
  '--liftoff',
  '--no-liftoff',
  '--liftoff-only',
  '--no-liftoff-only',
  '--wasm-lazy-compilation',
  '--no-wasm-lazy-compilation',
  '--wasm-tier-up',
  '--no-wasm-tier-up',
];

/**
 * The setting (MiB per semi-space; 0 leaves V8's default) and the flag it becomes. 4 rather than 8:
 * 9–17 MiB less resident after start and after light traffic, ~5% fewer events a second end to end
 * under a heavy load (BENCHMARKS.md, "Embedded mode end to end", 2026-12-03).
 */
export const SEMI_SPACE_SETTING = 'PULSE_SEMI_SPACE_MB';
export const DEFAULT_EMBEDDED_SEMI_SPACE_MB = 4;
const FLAG = '--max-semi-space-size';

/**
 * V8's `--optimize-for-size` trades speed for memory: its heap grows by smaller steps and gives back
 * what it no longer uses sooner. For `pulse start` that is ~30–50 MiB less resident after start and
 * after light traffic (the main thread's old space otherwise keeps ~35 MB of free pages), but about
 * half the events a second under a heavy load (BENCHMARKS.md, "Embedded mode end to end",
 * 2026-12-03): a choice for a small site on a very small box, PULSE_OPTIMIZE_FOR_SIZE=true. The flag
 * (or its `--no-` form) on the command line wins.
 */
export const FOR_SIZE_SETTING = 'PULSE_OPTIMIZE_FOR_SIZE';
const FOR_SIZE_FLAG = '--optimize-for-size';
const NO_FOR_SIZE_FLAG = '--no-optimize-for-size';

/**
 * Each thread of `pulse start` (the SQLite warehouse has one of its own) loads the project's modules
 * through the cache of stripped TypeScript (bin/typescript-cache.js) instead of Node's stripper, ~18
 * MiB resident each: worker threads inherit `--import` from the process's flags, not the hooks a
 * thread registered in code.
 */
export const TYPESCRIPT_CACHE_IMPORT = new URL('../../bin/register-typescript-cache.js', import.meta.url).href;

/**
 * The Node flags `pulse <argv>` should run with that it does not have yet: none for any command
 * but `start`. The cache of stripped TypeScript for every thread; `--optimize-for-size` when asked;
 * the semi-space flag unless the caller chose a size itself (on the command line or in
 * NODE_OPTIONS), or the setting is 0 or not a whole number (the configuration check at start-up
 * names a wrong value); the baseline WebAssembly flags unless PULSE_WASM_OPTIMIZE is true or the
 * caller gave a WebAssembly compiler flag on the command line.
 */
export function missingNodeFlags(
  argv: readonly string[],
  execArgv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  if (argv[0] !== 'start') return [];
  const given = [...execArgv, ...(env['NODE_OPTIONS'] ?? '').split(/\s+/)];
  const flags: string[] = [];
  if (!execArgv.includes(TYPESCRIPT_CACHE_IMPORT)) flags.push('--import', TYPESCRIPT_CACHE_IMPORT);
  if (!given.some((arg) => arg.startsWith(FLAG))) {
    const setting = env[SEMI_SPACE_SETTING]?.trim();
    const mib = setting === undefined || setting === '' ? DEFAULT_EMBEDDED_SEMI_SPACE_MB : Number(setting);
    if (Number.isInteger(mib) && mib > 0) flags.push(`${FLAG}=${mib}`);
  }
  const forSizeChosen = execArgv.includes(FOR_SIZE_FLAG) || execArgv.includes(NO_FOR_SIZE_FLAG);
  if (switchedOn(env[FOR_SIZE_SETTING]) && !forSizeChosen) flags.push(FOR_SIZE_FLAG);
  const wasmChosen = execArgv.some((arg) => WASM_CHOICES.some((choice) => arg === choice || arg.startsWith(`${choice}=`)));
  if (!switchedOn(env[WASM_OPTIMIZE_SETTING]) && !wasmChosen) flags.push(...BASELINE_WASM_FLAGS);
  return flags;
}

/** A boolean setting read before the configuration is: anything else is off here, and the check at start-up names it. */
function switchedOn(value: string | undefined): boolean {
  const text = value?.trim().toLowerCase();
  return text === 'true' || text === '1';
}
