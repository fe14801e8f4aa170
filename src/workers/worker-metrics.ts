import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { dlqRecordsCounter } from '../shared/metrics.ts';

/** What a worker's loop reports (`worker` is the definition's short name: a bounded set). */
export interface WorkerMetrics {
  /** outcome: ok, dlq, drop. */
  records: Counter<'worker' | 'outcome'>;
  batchSeconds: Histogram<'worker'>;
  /** One sink call (a batch write, or a part of one while a refused record is isolated). */
  sinkSeconds: Histogram<'worker'>;
  /** retriable: `true` (the runner backs off and writes again), `false` (the record is isolated and dead-lettered). */
  sinkErrors: Counter<'worker' | 'retriable'>;
  /** operation: poll, commit, dlq_produce. */
  busErrors: Counter<'worker' | 'operation'>;
  drops: Counter<'worker' | 'reason'>;
  /** `pulse_dlq_records_total{topic}`, shared with ingest in the same process. */
  dlqRecords: Counter<'topic'>;
  lastBatchTimestamp: Gauge<'worker'>;
  /** Consumer-group lag per partition, refreshed off the event path (lag-metrics.ts). */
  lag: Gauge<'worker' | 'topic' | 'partition'>;
  lagRefreshErrors: Counter<'worker'>;
  /**
   * Records the event time (epoch ms) of the newest record `worker` has processed. The age gauge is
   * computed from it when scraped, so it keeps rising while the worker processes nothing.
   */
  noteNewestEvent(worker: string, eventTimeMs: number): void;
}

export function createWorkerMetrics(registry: Registry, now: () => number = Date.now): WorkerMetrics {
  const newest = new Map<string, number>();
  new Gauge({
    name: 'pulse_worker_newest_event_age_seconds',
    help: 'Age of the newest event a worker has processed, at scrape time (rises while nothing is processed)',
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      const at = now();
      for (const [worker, ts] of newest) this.set({ worker }, Math.max(0, (at - ts) / 1000));
    },
  });
  new Gauge({
    name: 'pulse_worker_newest_event_timestamp_seconds',
    help: 'Event time of the newest event a worker has processed, in seconds since the epoch',
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      for (const [worker, ts] of newest) this.set({ worker }, ts / 1000);
    },
  });
  return {
    records: new Counter({
      name: 'pulse_worker_records_total',
      help: 'Records handled by a worker, by outcome (ok, dlq, drop)',
      labelNames: ['worker', 'outcome'],
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'pulse_worker_batch_duration_seconds',
      help: 'Time to decode, write and commit one batch',
      labelNames: ['worker'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    sinkSeconds: new Histogram({
      name: 'pulse_worker_sink_duration_seconds',
      help: "Time of one write to a worker's sink, failed ones included",
      labelNames: ['worker'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    sinkErrors: new Counter({
      name: 'pulse_worker_sink_errors_total',
      help: 'Failed sink writes; retriable="true" are written again after a back-off, "false" isolate a refused record',
      labelNames: ['worker', 'retriable'],
      registers: [registry],
    }),
    busErrors: new Counter({
      name: 'pulse_worker_bus_errors_total',
      help: 'Failed bus operations of a worker, by operation (poll, commit, dlq_produce)',
      labelNames: ['worker', 'operation'],
      registers: [registry],
    }),
    drops: new Counter({
      name: 'pulse_worker_dropped_total',
      help: 'Records a worker dropped on purpose, by reason',
      labelNames: ['worker', 'reason'],
      registers: [registry],
    }),
    dlqRecords: dlqRecordsCounter(registry),
    lastBatchTimestamp: new Gauge({
      name: 'pulse_worker_last_batch_timestamp_seconds',
      help: 'When a worker last finished a batch, in seconds since the epoch',
      labelNames: ['worker'],
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'pulse_worker_lag_records',
      help: "Records not yet committed by a worker's consumer group, per partition (refreshed every few seconds)",
      labelNames: ['worker', 'topic', 'partition'],
      registers: [registry],
    }),
    lagRefreshErrors: new Counter({
      name: 'pulse_worker_lag_refresh_errors_total',
      help: "Failed reads of a worker's consumer-group lag",
      labelNames: ['worker'],
      registers: [registry],
    }),
    noteNewestEvent(worker, eventTimeMs) {
      if (eventTimeMs > (newest.get(worker) ?? -Infinity)) newest.set(worker, eventTimeMs);
    },
  };
}
