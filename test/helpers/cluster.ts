import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Bus } from '../../src/bus/bus.ts';
import { loadConfig } from '../../src/config/config.ts';
import { kafkaBusFrom } from '../../src/runtime/adapters.ts';
import { repoRoot } from './services.ts';

/**
 * The secured cluster `scripts/cluster up` runs (scripts/test starts it): where it listens and
 * how each service principal connects, read from `scripts/cluster env`'s variables.
 */
const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '')
    throw new Error(`${name} is not set: start the cluster with \`bash scripts/cluster up\` and eval "$(bash scripts/cluster env)"`);
  return value;
};

export type Principal = 'INGEST' | 'REALTIME' | 'WAREHOUSE' | 'GENERATOR' | 'DASHBOARD' | 'SHOP' | 'SEARCH' | 'ADMIN';

export const cluster = {
  brokers: () => env('PULSE_CLUSTER_BROKERS'),
  backupBrokers: () => env('PULSE_CLUSTER_BACKUP_BROKERS'),
  caFile: () => env('PULSE_CLUSTER_CA_FILE'),
  user: (principal: Principal) => env(`PULSE_CLUSTER_${principal}_USER`),
  passwordFile: (principal: Principal) => env(`PULSE_CLUSTER_${principal}_PASSWORD_FILE`),
  password: (principal: Principal) => readFileSync(env(`PULSE_CLUSTER_${principal}_PASSWORD_FILE`), 'utf8').split('\n', 1)[0] ?? '',
};

/** The PULSE_KAFKA_* settings of a Pulse process running as `principal` on the main cluster. */
export function clusterEnv(principal: Principal): Record<string, string> {
  return {
    PULSE_KAFKA_BROKERS: cluster.brokers(),
    PULSE_KAFKA_CA_FILE: cluster.caFile(),
    PULSE_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    PULSE_KAFKA_USERNAME: cluster.user(principal),
    PULSE_KAFKA_PASSWORD_FILE: cluster.passwordFile(principal),
    PULSE_REPLICATION_FACTOR: '3',
  };
}

/** Runs `scripts/cluster <args>` (kill-broker N, start-broker N, …). */
export async function clusterScript(...args: string[]): Promise<string> {
  const { stdout, stderr } = await promisify(execFile)('bash', [join(repoRoot, 'scripts', 'cluster'), ...args], {
    cwd: repoRoot,
    timeout: 180_000,
  });
  return stdout + stderr;
}

/** A bus as the given principal, as a Pulse process builds it from its settings. */
export const busAs = (principal: Principal): Bus => kafkaBusFrom(loadConfig(clusterEnv(principal)));

/** Runs `work` with `bus`, closing it afterwards. */
export async function withBus<T>(bus: Bus, work: (bus: Bus) => Promise<T>): Promise<T> {
  try {
    return await work(bus);
  } finally {
    await bus.close();
  }
}
