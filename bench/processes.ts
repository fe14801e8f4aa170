/**
 * What the process benchmarks share: starting a server as a process of its own on a free port,
 * reading its peak memory and CPU time from /proc, percentiles, progress lines and number formats.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, repoRoot, waitForHealth, type PulseProcess } from '../test/helpers/services.ts';

export interface ServerProcess extends PulseProcess {
  /** http://127.0.0.1:<port> */
  base: string;
  pid: number;
}

/**
 * Starts `node <script> <args>` (a path under the repository) with `env` plus PATH, HOME and a free
 * PULSE_PORT, and waits for GET /health. The child's output is kept for error messages.
 */
export async function startServer(script: string, args: string[], env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(repoRoot, script), ...args], {
    cwd: repoRoot,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '/tmp',
      PULSE_LOG_LEVEL: 'warn',
      ...env,
      PULSE_PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const server: ServerProcess = {
    child,
    pid: child.pid ?? 0,
    base: `http://127.0.0.1:${port}`,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  try {
    await waitForHealth(server.base, server);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/** Stops every server, even when one of them fails to stop. */
export async function stopAll(servers: readonly (PulseProcess | undefined)[]): Promise<void> {
  await Promise.allSettled(servers.map((server) => server?.stop()));
}

/** Peak resident set size of a running process (VmHWM), in MiB; NaN once it is gone. */
export function peakMemoryMiB(pid: number): number {
  try {
    const kib = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? NaN : Number(kib) / 1024;
  } catch {
    return NaN;
  }
}

/** CPU time (user + system) a running process has used so far, in seconds (Linux: 100 ticks a second). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state; utime and stime are the 12th and 13th of them.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** The p-th percentile (0–100) of the values, nearest rank; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/** Rewrites one progress line on stderr about once a second until the returned function is called. */
export function progress(line: () => string): () => void {
  const timer = setInterval(() => process.stderr.write(`\r  ${line()}      `), 1000);
  return () => {
    clearInterval(timer);
    process.stderr.write(`\r  ${line()}      \n`);
  };
}

/** A positive number from the environment, or the default. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return value;
}

/** A number ≥ 0 from the environment (0 turns a step off), or the default. */
export function envNonNegative(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a number ≥ 0, got ${JSON.stringify(raw)}`);
  return value;
}

export const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
export const dec = (n: number, digits = 1): string =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—';
export const today = (): string => new Date().toISOString().slice(0, 10);
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The pids of a running process's children (Linux); empty once it is gone. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(/\s+/)
      .filter((s) => s !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/** CPU seconds of a process and its children so far (a `PULSE_INGEST_PROCESSES` group: the primary and its processes). */
export function groupCpuSeconds(pid: number): number {
  return [pid, ...childPids(pid)].reduce((sum, p) => sum + cpuSeconds(p), 0);
}
