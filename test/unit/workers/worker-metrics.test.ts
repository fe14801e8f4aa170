import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Registry } from 'prom-client';
import type { Bus, BusRecord } from '../../../src/bus/bus.ts';
import { PulseError, errorCodes } from '../../../src/shared/errors.ts';
import { dlq, ok, pipeline } from '../../../src/contract/outcome.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { createWorkerMetrics } from '../../../src/workers/worker-metrics.ts';
import { startWorker, type WorkerDefinition } from '../../../src/workers/worker-runner.ts';
import { openBus } from '../../helpers/embedded-bus.ts';
import { waitFor } from '../../helpers/services.ts';

const logger = createLogger('silent', 'test');

/** name{labels} → value of every series of `name`. */
async function series(registry: Registry, name: string): Promise<Map<string, number>> {
  const metric = registry.getSingleMetric(name);
  assert.ok(metric !== undefined, `${name} is registered`);
  const values = (await metric.get()).values;
  return new Map(
    values.map((v) => [
      Object.entries(v.labels)
        .map(([k, l]) => `${k}=${String(l)}`)
        .sort()
        .join(','),
      v.value,
    ]),
  );
}

test('the newest event age is computed when scraped, so it keeps rising while nothing is processed', async () => {
  let now = 100_000;
  const registry = new Registry();
  const metrics = createWorkerMetrics(registry, () => now);
  assert.equal((await series(registry, 'pulse_worker_newest_event_age_seconds')).size, 0, 'no series before the first event');
  metrics.noteNewestEvent('realtime', 90_000);
  metrics.noteNewestEvent('realtime', 80_000); // older: ignored
  metrics.noteNewestEvent('realtime', Number.NaN); // an unparsable event time: ignored
  assert.deepEqual(await series(registry, 'pulse_worker_newest_event_age_seconds'), new Map([['worker=realtime', 10]]));
  now = 130_000;
  assert.deepEqual(await series(registry, 'pulse_worker_newest_event_age_seconds'), new Map([['worker=realtime', 40]]));
  assert.deepEqual(await series(registry, 'pulse_worker_newest_event_timestamp_seconds'), new Map([['worker=realtime', 90]]));
  metrics.noteNewestEvent('realtime', 200_000); // ahead of this clock: never a negative age
  assert.equal((await series(registry, 'pulse_worker_newest_event_age_seconds')).get('worker=realtime'), 0);
});

async function numbersBus(t: TestContext): Promise<Bus> {
  const bus = await openBus(t);
  await bus.ensureTopics([
    { name: 'numbers', partitions: 2 },
    { name: 'numbers.dlq', partitions: 1 },
  ]);
  return bus;
}

function numbersWorker(sink: (values: number[]) => Promise<void>): WorkerDefinition<number> {
  return {
    name: 'numbers',
    group: 'numbers-group',
    topics: ['numbers'],
    decode: pipeline(function parseInteger(record: BusRecord) {
      const n = Number(record.value.toString());
      return Number.isInteger(n) ? ok(n) : dlq('not an integer');
    }),
    sink,
    eventTime: (n) => n * 1000,
  };
}

test('a worker exports records by outcome, DLQ records by topic, sink errors, sink and batch durations, lag and freshness', async (t) => {
  const bus = await numbersBus(t);
  const registry = new Registry();
  let failures = 1;
  const worker = await startWorker(
    numbersWorker(async (values) => {
      if (failures > 0) {
        failures -= 1;
        throw new PulseError(errorCodes.STORE_UNAVAILABLE, 'store busy', { retriable: true });
      }
      if (values.includes(13)) throw new PulseError(errorCodes.STORE_UNAVAILABLE, 'unlucky', { retriable: false });
    }),
    { bus, logger, pollWaitMs: 50, maxRetryDelayMs: 20, lagIntervalMs: 50, metrics: createWorkerMetrics(registry) },
  );
  t.after(() => worker.stop());
  // Exported at 0 before any record.
  assert.deepEqual(
    await series(registry, 'pulse_worker_records_total'),
    new Map([
      ['outcome=ok,worker=numbers', 0],
      ['outcome=dlq,worker=numbers', 0],
      ['outcome=drop,worker=numbers', 0],
    ]),
  );
  assert.deepEqual(await series(registry, 'pulse_dlq_records_total'), new Map([['topic=numbers.dlq', 0]]));

  await bus.produce(['1', '2', 'three', '13', '5'].map((value, i) => ({ topic: 'numbers', key: `k${i}`, value })));
  await waitFor(async () => {
    const s = worker.status().records;
    return s.ok + s.dlq === 5 ? true : undefined;
  }, 'the batch handled');
  const records = await series(registry, 'pulse_worker_records_total');
  assert.equal(records.get('outcome=ok,worker=numbers'), 3);
  assert.equal(records.get('outcome=dlq,worker=numbers'), 2);
  assert.deepEqual(await series(registry, 'pulse_dlq_records_total'), new Map([['topic=numbers.dlq', 2]]));
  const sinkErrors = await series(registry, 'pulse_worker_sink_errors_total');
  assert.equal(sinkErrors.get('retriable=true,worker=numbers'), 1);
  assert.ok((sinkErrors.get('retriable=false,worker=numbers') ?? 0) >= 1, 'the refused record counted');
  const sinkSeconds = (await registry.getSingleMetric('pulse_worker_sink_duration_seconds')?.get())?.values ?? [];
  assert.ok(
    (sinkSeconds.find((v) => (v as { metricName?: string }).metricName === 'pulse_worker_sink_duration_seconds_count')?.value ?? 0) >= 3,
  );
  const lastBatch = (await series(registry, 'pulse_worker_last_batch_timestamp_seconds')).get('worker=numbers') ?? 0;
  assert.ok(Math.abs(lastBatch - Date.now() / 1000) < 60);
  const newest = (await series(registry, 'pulse_worker_newest_event_timestamp_seconds')).get('worker=numbers');
  assert.equal(newest, 13, 'the newest event time of the decoded records (a record the sink refused was processed too)');

  // Lag per partition of the group, refreshed on its own timer: 0 once the batch is committed.
  const lag = await waitFor(async () => {
    const now = await series(registry, 'pulse_worker_lag_records');
    return now.size === 2 && [...now.values()].every((v) => v === 0) ? now : undefined;
  }, 'the lag metric at 0');
  assert.deepEqual([...lag.keys()].sort(), ['partition=0,topic=numbers,worker=numbers', 'partition=1,topic=numbers,worker=numbers']);
  assert.equal((await series(registry, 'pulse_worker_lag_refresh_errors_total')).get('worker=numbers'), 0);
});
