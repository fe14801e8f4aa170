import { Counter, type Metric, type Registry } from 'prom-client';

/**
 * The metric `name` of `registry`, made by `make` the first time. Parts of one process that share
 * a registry (embedded mode: ingest, every worker and the marketplace) share its metrics this way
 * instead of failing on a second registration.
 */
export function metricOn<T extends Metric>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/**
 * `pulse_dlq_records_total{topic}`: records produced to each dead-letter topic, by ingest (invalid
 * events) and by the workers (records they could not process). The topic is always a DLQ topic of
 * Pulse (`<topic>.dlq`), a bounded set.
 */
export function dlqRecordsCounter(registry: Registry): Counter<'topic'> {
  return metricOn(
    registry,
    'pulse_dlq_records_total',
    () =>
      new Counter({
        name: 'pulse_dlq_records_total',
        help: 'Records produced to a dead-letter topic, by topic',
        labelNames: ['topic'],
        registers: [registry],
      }),
  );
}
