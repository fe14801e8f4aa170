import assert from 'node:assert/strict';
import type { TopicSpec } from '../../src/bus/bus.ts';
import { createKafkaBus } from '../../src/bus/kafka/kafka-bus.ts';
import { ingestTopicSpecs, topicNames, type TopicNames } from '../../src/bus/topics.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { PageAggregate, Warehouse } from '../../src/stores/warehouse/warehouse.ts';
import { REALTIME_GROUP } from '../../src/workers/realtime/realtime-worker.ts';
import { warehouseGroup } from '../../src/workers/warehouse/warehouse-worker.ts';
import { freePort, kafkaBrokers, spawnPulse, waitFor, waitForHealth, type PulseProcess } from './services.ts';
import type { PlanPageFigures } from './generator-expected.ts';
import { deleteKafkaTopics } from './kafka-topics.ts';

export interface WorkerStatus {
  records: { ok: number; dlq: number };
  totalLag: number | null;
}

export interface PulseService {
  process: PulseProcess;
  base: string;
  status: () => Promise<WorkerStatus>;
}

/**
 * A test's own pipeline topics and consumer groups. PULSE_TOPIC_PREFIX goes in front of both, so
 * test files running at once never join one group (a rebalance would move partitions between
 * their workers mid-batch) and never wait for records other runs left on a shared topic.
 */
export interface TestTopics {
  /** Goes into the env of every process the test starts: workers, ingest, generate, CLI. */
  env: { PULSE_TOPIC_PREFIX: string };
  names: TopicNames;
  /** The ingest topics and their DLQs, as Pulse's processes create them. */
  specs: TopicSpec[];
  /** Deletes the topics and the workers' groups (those that exist); call it once the test's processes have stopped. */
  remove: () => Promise<void>;
}

export function testTopics(tag: string): TestTopics {
  const prefix = `${tag}.`;
  const specs = ingestTopicSpecs(loadConfig({ PULSE_TOPIC_PREFIX: prefix }));
  return {
    env: { PULSE_TOPIC_PREFIX: prefix },
    names: topicNames(prefix),
    specs,
    remove: async () => {
      await deleteKafkaTopics(specs.map((spec) => spec.name));
      const bus = createKafkaBus({ brokers: kafkaBrokers.split(','), clientId: 'test-cleanup-groups' });
      try {
        for (const group of [REALTIME_GROUP, warehouseGroup('postgres'), warehouseGroup('clickhouse')])
          await bus.deleteGroup(`${prefix}${group}`);
      } finally {
        await bus.close();
      }
    },
  };
}

/** Starts `pulse <args>` on a free port and waits for /health. */
export async function startService(args: string[], env: Record<string, string>): Promise<PulseService> {
  const port = await freePort();
  const process = spawnPulse(args, { PULSE_KAFKA_BROKERS: kafkaBrokers, PULSE_LOG_LEVEL: 'warn', ...env, PULSE_PORT: String(port) });
  const base = `http://127.0.0.1:${port}`;
  await waitForHealth(base, process);
  return {
    process,
    base,
    status: async () => (await (await fetch(`${base}/status`, { signal: AbortSignal.timeout(5000) })).json()) as WorkerStatus,
  };
}

/** Waits until a worker has committed everything on its topics. */
export const caughtUp = (worker: PulseService, what: string, timeoutMs = 120_000) =>
  waitFor(async () => ((await worker.status()).totalLag === 0 ? true : undefined), what, timeoutMs);

/** Runs `pulse generate …` to completion. */
export async function generate(args: string[], env: Record<string, string> = {}): Promise<string> {
  const child = spawnPulse(['generate', ...args], { PULSE_KAFKA_BROKERS: kafkaBrokers, PULSE_LOG_LEVEL: 'warn', ...env });
  const code = await new Promise<number | null>((resolve) => child.child.once('exit', resolve));
  assert.equal(code, 0, child.output());
  return child.output();
}

/** The warehouse's per-page figures for one site equal the prediction (averages to 1e-6; sessions and bounces: see expectedAggregates). */
export async function assertPageAggregates(warehouse: Warehouse, site: string, expected: PlanPageFigures[]): Promise<void> {
  const actual = await warehouse.pageAggregates({ from: 0, to: Date.now() + 3_600_000, site });
  const byPage = (rows: PageAggregate[]) => new Map(rows.map((r) => [r.page, r]));
  const got = byPage(actual);
  assert.deepEqual([...got.keys()].sort(), expected.map((r) => r.page).sort(), `${warehouse.kind}: pages`);
  for (const want of expected) {
    const row = got.get(want.page);
    assert.ok(row !== undefined);
    assert.deepEqual(
      { views: row.views, unique_users: row.unique_users, quick_exits: row.quick_exits },
      { views: want.views, unique_users: want.unique_users, quick_exits: want.quick_exits },
      `${warehouse.kind}: ${want.page}`,
    );
    assert.ok(
      Math.abs(row.avg_duration - want.avg_duration) < 1e-6,
      `${warehouse.kind}: ${want.page} avg ${row.avg_duration} vs ${want.avg_duration}`,
    );
  }
}
