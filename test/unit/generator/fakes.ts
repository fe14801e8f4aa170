import { pino } from 'pino';
import { partitionForKey } from '../../../src/bus/partitioner.ts';
import type { Clock } from '../../../src/generator/clock.ts';
import { partitionFor, type PlannedEvent } from '../../../src/generator/plan.ts';
import type { DeliveryReport, Target } from '../../../src/generator/targets.ts';
import type { Logger } from '../../../src/shared/logger.ts';

export interface Delivery {
  at: number;
  seqs: number[];
  attempt: number;
}

export interface FakeTarget extends Target {
  deliveries: Delivery[];
  /** Every attempt, failed ones included. */
  attempts: Delivery[];
  maxConcurrent: number;
}

/**
 * A Kafka-like target in memory: answers after `latencyMs` of the given clock, and fails while
 * `fail(attempt)` says so (with a retriable error unless `retriable` is false).
 */
export function fakeTarget(
  clock: Clock,
  options: { latencyMs?: number; partitions?: number; fail?: (delivery: Delivery) => boolean; retriable?: boolean } = {},
): FakeTarget {
  const partitions = options.partitions ?? 3;
  let concurrent = 0;
  const perBatch = new Map<string, number>();
  const target: FakeTarget = {
    kind: 'kafka',
    description: 'fake',
    deliveries: [],
    attempts: [],
    maxConcurrent: 0,
    async deliver(entries: readonly PlannedEvent[]): Promise<DeliveryReport> {
      const seqs = entries.map((e) => e.seq);
      const id = seqs.join(',');
      const attempt = (perBatch.get(id) ?? 0) + 1;
      perBatch.set(id, attempt);
      const delivery = { at: clock.now(), seqs, attempt };
      target.attempts.push(delivery);
      concurrent += 1;
      target.maxConcurrent = Math.max(target.maxConcurrent, concurrent);
      try {
        if (options.latencyMs !== undefined) await clock.sleep(options.latencyMs);
        else await Promise.resolve();
        if (options.fail?.(delivery) === true) {
          throw Object.assign(new Error('broker down'), { retriable: options.retriable ?? true });
        }
        target.deliveries.push(delivery);
        return { partitions: entries.map((e) => partitionFor(e, partitions) ?? partitionForKey(e.key, partitions)), rejected: 0 };
      } finally {
        concurrent -= 1;
      }
    },
    close: async () => {},
  };
  return target;
}

/** A pino logger whose lines are kept for assertions. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

/** Records per whole second since `start`, from delivery times. */
export function perSecond(deliveries: readonly Delivery[], start: number, seconds: number): number[] {
  const counts = Array.from({ length: seconds }, () => 0);
  for (const d of deliveries) {
    const s = Math.floor((d.at - start) / 1000);
    if (s >= 0 && s < seconds) counts[s] = (counts[s] ?? 0) + d.seqs.length;
  }
  return counts;
}
