import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface WorkerMetrics {
  records: Counter<'worker' | 'outcome'>;
  batchSeconds: Histogram<'worker'>;
  sinkFailures: Counter<'worker'>;
  drops: Counter<'worker' | 'reason'>;
  newestEventAge: Gauge<'worker'>;
}

export function createWorkerMetrics(registry: Registry): WorkerMetrics {
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
    sinkFailures: new Counter({
      name: 'pulse_worker_sink_failures_total',
      help: 'Sink writes that failed and were retried',
      labelNames: ['worker'],
      registers: [registry],
    }),
    drops: new Counter({
      name: 'pulse_worker_dropped_total',
      help: 'Records a worker dropped on purpose, by reason',
      labelNames: ['worker', 'reason'],
      registers: [registry],
    }),
    newestEventAge: new Gauge({
      name: 'pulse_worker_newest_event_age_seconds',
      help: 'Age of the newest record a worker has written, when it was written',
      labelNames: ['worker'],
      registers: [registry],
    }),
  };
}
