import type { GeneratorMetrics } from './metrics.ts';
import { partitionings, type Partitioning, type PlannedEvent } from './plan.ts';
import type { DeliveryReport, Target } from './targets.ts';

/**
 * The generator's counters of sent, answered and failed records, with their Prometheus twins: each
 * step of a delivery moves both together, so /status and /metrics never disagree.
 */

/** How a sent record is counted: a repeat of an earlier event (whatever its kind), or its planned kind. */
export type RecordClass = 'duplicate' | PlannedEvent['kind'];

export function classifyRecord(entry: Pick<PlannedEvent, 'kind' | 'duplicateOf'>): RecordClass {
  return entry.duplicateOf !== null ? 'duplicate' : entry.kind;
}

export interface DeliveryTotals {
  /** Records handed to the target (first attempt started). */
  sent: number;
  acked: number;
  failed: number;
  /** Records the target refused by contract (HTTP target: ingest dead-lettered them). */
  rejected: number;
  retries: number;
  duplicates: number;
  invalid: number;
  views: number;
  /** Views of under 5 s (kind `quick_exit`): the warehouse's quick exits. */
  quickExits: number;
  /** Kafka target: records by partitioning strategy. */
  partitioning: Record<Partitioning, number>;
  /** Kafka target: acknowledged records per partition. */
  partitions: Record<string, number>;
}

export interface DeliveryCounts {
  readonly sent: number;
  /** Records handed to the target and not answered yet. */
  readonly inFlight: number;
  /** The records' first attempt is about to start. */
  handedOver(entries: readonly PlannedEvent[]): void;
  /** An attempt failed and another follows after a back-off. */
  retried(): void;
  acknowledged(records: number, report: DeliveryReport): void;
  /** Given up after the last attempt, or at once for an error that cannot be retried. */
  failed(records: number): void;
  /** The delivery of `records` ended, acknowledged or failed. */
  answered(records: number): void;
  /** A copy of the counters. */
  totals(): DeliveryTotals;
}

/** `targetKind`: records by partitioning are counted for the Kafka target only. */
export function createDeliveryCounts(metrics: GeneratorMetrics, targetKind: Target['kind']): DeliveryCounts {
  const totals: DeliveryTotals = {
    sent: 0,
    acked: 0,
    failed: 0,
    rejected: 0,
    retries: 0,
    duplicates: 0,
    invalid: 0,
    views: 0,
    quickExits: 0,
    partitioning: Object.fromEntries(partitionings.map((p) => [p, 0])) as Record<Partitioning, number>,
    partitions: {},
  };
  const counterOf = { duplicate: 'duplicates', invalid: 'invalid', quick_exit: 'quickExits', view: 'views' } as const satisfies Record<
    RecordClass,
    keyof DeliveryTotals
  >;
  let inFlight = 0;
  const setInFlight = (records: number): void => {
    inFlight = records;
    metrics.inFlight.set(inFlight);
  };

  return {
    get sent() {
      return totals.sent;
    },
    get inFlight() {
      return inFlight;
    },
    handedOver(entries) {
      totals.sent += entries.length;
      for (const entry of entries) {
        metrics.sent.inc({ kind: entry.kind });
        const recordClass = classifyRecord(entry);
        totals[counterOf[recordClass]] += 1;
        if (recordClass === 'duplicate') metrics.duplicates.inc();
        if (targetKind === 'kafka') {
          totals.partitioning[entry.partitioning] += 1;
          metrics.partitioning.inc({ strategy: entry.partitioning });
        }
      }
      setInFlight(inFlight + entries.length);
    },
    retried() {
      totals.retries += 1;
      metrics.retries.inc();
    },
    acknowledged(records, report) {
      totals.acked += records;
      metrics.acked.inc(records);
      totals.rejected += report.rejected;
      if (report.rejected > 0) metrics.rejected.inc(report.rejected);
      for (const partition of report.partitions) {
        totals.partitions[partition] = (totals.partitions[partition] ?? 0) + 1;
        metrics.partitions.inc({ partition: String(partition) });
      }
    },
    failed(records) {
      totals.failed += records;
      metrics.failed.inc(records);
    },
    answered(records) {
      setInFlight(inFlight - records);
    },
    totals: () => ({ ...totals, partitioning: { ...totals.partitioning }, partitions: { ...totals.partitions } }),
  };
}
