import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface GeneratorMetrics {
  registry: Registry;
  /** Records handed to the target, by kind: view, quick_exit, invalid; repeats are also counted in `duplicates`. */
  sent: Counter<'kind'>;
  duplicates: Counter;
  acked: Counter;
  failed: Counter;
  /** Records the target refused by contract (ingest's DLQ). */
  rejected: Counter;
  retries: Counter;
  partitioning: Counter<'strategy'>;
  partitions: Counter<'partition'>;
  sendSeconds: Histogram<'outcome'>;
  targetEps: Gauge;
  inFlight: Gauge;
}

/** One registry per generator (never the global one), so tests can run many. */
export function createGeneratorMetrics(registry = new Registry()): GeneratorMetrics {
  if (registry.getSingleMetric('process_cpu_seconds_total') === undefined) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    sent: new Counter({
      name: 'pulse_generator_events_sent_total',
      help: 'Records sent by kind (view, quick_exit: a view under 5 s, invalid)',
      labelNames: ['kind'],
      registers,
    }),
    duplicates: new Counter({
      name: 'pulse_generator_duplicates_sent_total',
      help: 'Records that repeat an earlier event_id and key',
      registers,
    }),
    acked: new Counter({ name: 'pulse_generator_events_acked_total', help: 'Records acknowledged by the target', registers }),
    failed: new Counter({ name: 'pulse_generator_events_failed_total', help: 'Records given up after the last retry', registers }),
    rejected: new Counter({
      name: 'pulse_generator_events_rejected_total',
      help: 'Records the target refused by contract (dead-lettered)',
      registers,
    }),
    retries: new Counter({
      name: 'pulse_generator_retries_total',
      help: 'Failed attempts followed by a back-off and another attempt',
      registers,
    }),
    partitioning: new Counter({
      name: 'pulse_generator_partitioning_total',
      help: 'Kafka records by partitioning strategy (key, round-robin, random)',
      labelNames: ['strategy'],
      registers,
    }),
    partitions: new Counter({
      name: 'pulse_generator_partition_records_total',
      help: 'Kafka records acknowledged per partition',
      labelNames: ['partition'],
      registers,
    }),
    sendSeconds: new Histogram({
      name: 'pulse_generator_send_duration_seconds',
      help: 'Time of one delivery (one record, or one batch) including retries',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60],
      registers,
    }),
    targetEps: new Gauge({ name: 'pulse_generator_target_eps', help: 'Nominal rate of the current mode or exact setting', registers }),
    inFlight: new Gauge({ name: 'pulse_generator_in_flight', help: 'Records sent and not yet acknowledged or failed', registers }),
  };
}
