/**
 * V8 sizes its young generation for throughput: under load a Node process grows each semi-space to
 * 32–64 MiB and keeps them, about 130 MiB of resident memory that `pulse start` never gives back.
 * Embedded Pulse is the one meant for a small box, so it runs with small semi-spaces unless told
 * otherwise. Heap limits are fixed when the isolate is made, so this takes a new process image
 * (`process.execve`: same pid, same terminal, no parent left behind), decided before anything loads.
 */

/** The setting (MiB per semi-space; 0 leaves V8's default) and the flag it becomes. */
export const SEMI_SPACE_SETTING = 'PULSE_SEMI_SPACE_MB';
export const DEFAULT_EMBEDDED_SEMI_SPACE_MB = 8;
const FLAG = '--max-semi-space-size';

/**
 * The Node flags `pulse <argv>` should run with that it does not have yet: none for any command
 * but `start`, none when the caller chose a semi-space size itself (on the command line or in
 * NODE_OPTIONS), none when the setting is 0 or not a whole number (the configuration check at
 * start-up names a wrong value).
 */
export function missingNodeFlags(
  argv: readonly string[],
  execArgv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  if (argv[0] !== 'start') return [];
  const chosen = [...execArgv, ...(env['NODE_OPTIONS'] ?? '').split(/\s+/)].some((arg) => arg.startsWith(FLAG));
  if (chosen) return [];
  const setting = env[SEMI_SPACE_SETTING]?.trim();
  const mib = setting === undefined || setting === '' ? DEFAULT_EMBEDDED_SEMI_SPACE_MB : Number(setting);
  if (!Number.isInteger(mib) || mib <= 0) return [];
  return [`${FLAG}=${mib}`];
}
