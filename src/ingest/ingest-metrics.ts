import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface IngestMetrics {
  registry: Registry;
  requests: Counter<'route' | 'status'>;
  accepted: Counter<'topic'>;
  rejected: Counter<'reason'>;
  produceSeconds: Histogram<'outcome'>;
}

/** One registry per process (passed in, never a module global) so tests can build many apps. */
export function createIngestMetrics(registry = new Registry()): IngestMetrics {
  if (registry.getSingleMetric('process_cpu_seconds_total') === undefined) collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'pulse_ingest_requests_total',
      help: 'HTTP requests to ingest by route and status code',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
    accepted: new Counter({
      name: 'pulse_ingest_events_accepted_total',
      help: 'Events acknowledged by the bus and answered 2xx',
      labelNames: ['topic'],
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'pulse_ingest_events_rejected_total',
      help: 'Events refused, by reason (invalid, unknown_site, unavailable)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    produceSeconds: new Histogram({
      name: 'pulse_ingest_produce_duration_seconds',
      help: 'Time from produce call to broker acknowledgement',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}
