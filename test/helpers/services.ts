import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The stack script's defaults; scripts/test exports the same values. */
export const kafkaBrokers = process.env['PULSE_KAFKA_BROKERS'] ?? '127.0.0.1:19092';
export const postgresUrl = process.env['PULSE_POSTGRES_URL'] ?? 'postgres://pulse:pulse@127.0.0.1:15432/pulse';
export const redisUrl = process.env['PULSE_REDIS_URL'] ?? 'redis://127.0.0.1:16379';
export const clickhouseUrl = process.env['PULSE_CLICKHOUSE_URL'] ?? 'http://127.0.0.1:18123';

const run = promisify(execFile);

/** Runs `scripts/stack <args>` (e.g. `down kafka`), failing the test if it fails. */
export async function stack(...args: string[]): Promise<string> {
  const { stdout } = await run('bash', [join(repoRoot, 'scripts', 'stack'), ...args], { cwd: repoRoot, timeout: 180_000 });
  return stdout;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

export interface PulseProcess {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * The operator credential every Pulse a test starts runs with (PULSE_ADMIN_TOKEN), so tests about
 * other things reach the protected APIs as an admin; the accounts tests sign in as users instead.
 * A test that wants no operator token passes `PULSE_ADMIN_TOKEN: ''`.
 */
export const testAdminToken = 'pulse-test-operator-token-0123456789';
export const adminHeaders: Readonly<Record<string, string>> = { authorization: `Bearer ${testAdminToken}` };

/** Starts `bin/pulse.js <args>` as a real process, as a user would. */
export function spawnPulse(args: string[], env: Record<string, string>): PulseProcess {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'pulse.js'), ...args], {
    cwd: repoRoot,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', PULSE_ADMIN_TOKEN: testAdminToken, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return; // already gone (a killed child has only a signalCode)
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
}

export const waitForHealth = (base: string, child?: PulseProcess) =>
  waitFor(
    async () => {
      if (child !== undefined && (child.child.exitCode !== null || child.child.signalCode !== null)) {
        throw new Error(`process exited: ${child.output()}`);
      }
      const response = await fetch(`${base}/health`);
      return response.ok ? true : undefined;
      // A start opens PGlite (WebAssembly) and replays the log: seconds on a quiet machine, far more on a loaded one.
    },
    `${base}/health`,
    120_000,
  );
