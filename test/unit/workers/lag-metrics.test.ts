import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import type { Bus, PartitionLag } from '../../../src/bus/bus.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { setLag, startLagRefresh } from '../../../src/workers/lag-metrics.ts';
import { createWorkerMetrics } from '../../../src/workers/worker-metrics.ts';

const logger = createLogger('silent', 'test');
const lagOf = (topic: string, partition: number, lag: number): PartitionLag => ({ topic, partition, committed: 0, endOffset: lag, lag });

async function lagSeries(registry: Registry): Promise<Record<string, number>> {
  const values = (await registry.getSingleMetric('pulse_worker_lag_records')?.get())?.values ?? [];
  return Object.fromEntries(
    values.map((v) => [`${String(v.labels['worker'])}/${String(v.labels['topic'])}/${String(v.labels['partition'])}`, v.value]),
  );
}

const errorsOf = async (registry: Registry): Promise<number> =>
  (await registry.getSingleMetric('pulse_worker_lag_refresh_errors_total')?.get())?.values[0]?.value ?? -1;

test('setLag sets one series per partition and removes the partitions no longer reported', async () => {
  const registry = new Registry();
  const { lag } = createWorkerMetrics(registry);
  let exported = setLag(lag, 'w', [lagOf('a', 0, 5), lagOf('a', 1, 0), lagOf('b', 0, 2)], new Set());
  setLag(lag, 'other', [lagOf('a', 0, 7)], new Set());
  assert.deepEqual(await lagSeries(registry), { 'w/a/0': 5, 'w/a/1': 0, 'w/b/0': 2, 'other/a/0': 7 });
  exported = setLag(lag, 'w', [lagOf('a', 0, 1), lagOf('a', 1, -3)], exported);
  assert.deepEqual(await lagSeries(registry), { 'w/a/0': 1, 'w/a/1': 0, 'other/a/0': 7 }, 'b/0 gone, a negative lag shown as 0');
  assert.equal(exported.size, 2);
});

/** A bus whose groupLag answers from `answer` (the rest is never called). */
function lagBus(answer: () => Promise<PartitionLag[]>, calls: { n: number }): Bus {
  return {
    groupLag: async () => {
      calls.n += 1;
      return answer();
    },
  } as unknown as Bus;
}

test('a failing or slow lag read is counted, keeps the last figures and never throws; reads never overlap', async () => {
  const registry = new Registry();
  const metrics = createWorkerMetrics(registry);
  const calls = { n: 0 };
  let mode: 'ok' | 'fail' | 'hang' = 'ok';
  const bus = lagBus(async () => {
    if (mode === 'fail') throw new Error('broker gone');
    if (mode === 'hang') return new Promise<never>(() => undefined);
    return [lagOf('t', 0, 4)];
  }, calls);
  // A long interval: the test drives the reads with refresh().
  const refresher = startLagRefresh({ bus, worker: 'w', group: 'g', topics: ['t'], metrics, logger, intervalMs: 60_000, timeoutMs: 50 });
  try {
    await refresher.refresh();
    assert.deepEqual(await lagSeries(registry), { 'w/t/0': 4 });
    assert.equal(await errorsOf(registry), 0);

    mode = 'fail';
    await refresher.refresh();
    assert.equal(await errorsOf(registry), 1);
    assert.deepEqual(await lagSeries(registry), { 'w/t/0': 4 }, 'the last figures stay');

    mode = 'hang';
    const before = calls.n;
    const first = refresher.refresh();
    const second = refresher.refresh();
    assert.equal(first, second, 'a read in flight is shared, not repeated');
    await first;
    assert.equal(calls.n, before + 1);
    assert.equal(await errorsOf(registry), 2, 'a read past the timeout counts as failed');
  } finally {
    refresher.stop();
  }
});
