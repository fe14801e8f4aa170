import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { dlqRecordsCounter } from '../shared/metrics.ts';

/**
 * Why ingest refused events: the whole, bounded set of `reason` label values of
 * `pulse_ingest_events_rejected_total` (never the message, which may quote user input).
 * - `invalid`: the event failed validation (it goes to the DLQ);
 * - `unknown_site`: a site key Pulse does not collect for (dropped, not ours);
 * - `unavailable`: valid events the bus did not acknowledge (answered 503; clients retry);
 * - `batch_too_large`: every event of a batch over PULSE_MAX_BATCH (answered 413);
 * - `origin_not_allowed`: every event of a batch posted by a page whose origin is not allowed (403).
 */
export const rejectReasons = ['invalid', 'unknown_site', 'unavailable', 'batch_too_large', 'origin_not_allowed'] as const;
export type RejectReason = (typeof rejectReasons)[number];

export interface IngestMetrics {
  registry: Registry;
  /** `route` is the route pattern (`/api/events`, `/demo/:file`), `unmatched` for a 404: never the URL. */
  requests: Counter<'route' | 'status'>;
  accepted: Counter<'topic'>;
  /** Label values: {@link rejectReasons} only. */
  rejected: Counter<'reason'>;
  produceSeconds: Histogram<'outcome'>;
  /** `pulse_dlq_records_total{topic}`, shared with the workers of the same process. */
  dlqRecords: Counter<'topic'>;
  /** What /metrics answers, when not this registry's text: one of several ingest processes answers for the group (ingest-processes.ts). */
  exposition?: (() => Promise<string>) | undefined;
}

/** One registry per process (passed in, never a module global) so tests can build many apps. */
export function createIngestMetrics(registry = new Registry()): IngestMetrics {
  if (registry.getSingleMetric('process_cpu_seconds_total') === undefined) collectDefaultMetrics({ register: registry });
  const rejected = new Counter({
    name: 'pulse_ingest_events_rejected_total',
    help: `Events refused, by reason (${rejectReasons.join(', ')})`,
    labelNames: ['reason'],
    registers: [registry],
  });
  // Every reason is exported from the start (at 0), so rate() and absent() work before the first refusal.
  for (const reason of rejectReasons) rejected.inc({ reason }, 0);
  return {
    registry,
    requests: new Counter({
      name: 'pulse_ingest_requests_total',
      help: 'HTTP requests by route pattern and status code',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
    accepted: new Counter({
      name: 'pulse_ingest_events_accepted_total',
      help: 'Events acknowledged by the bus and answered 2xx, by topic',
      labelNames: ['topic'],
      registers: [registry],
    }),
    rejected,
    produceSeconds: new Histogram({
      name: 'pulse_ingest_produce_duration_seconds',
      help: 'Time from produce call to bus acknowledgement, by outcome (ok, error)',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    dlqRecords: dlqRecordsCounter(registry),
  };
}
