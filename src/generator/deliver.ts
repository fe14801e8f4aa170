import type { Logger } from '../shared/logger.ts';
import type { Clock } from './clock.ts';
import type { DeliveryCounts } from './delivery-counts.ts';
import type { GeneratorMetrics } from './metrics.ts';
import type { PlannedEvent } from './plan.ts';
import { DeliveryFailedError, withRetries, type RetryPolicy } from './retry.ts';
import type { Target } from './targets.ts';

/** Sends one record or one batch; never throws (the outcome is counted and logged instead). */
export type Deliver = (entries: readonly PlannedEvent[]) => Promise<void>;

export interface DeliverDeps {
  target: Target;
  retry: RetryPolicy;
  clock: Clock;
  logger: Logger;
  counts: DeliveryCounts;
  sendSeconds: GeneratorMetrics['sendSeconds'];
}

/** Delivery to the target with retries and back-off; each retry and the final outcome counted, a failure logged. */
export function createDeliver(deps: DeliverDeps): Deliver {
  const { target, retry, clock, logger, counts } = deps;
  return async (entries) => {
    const n = entries.length;
    counts.handedOver(entries);
    const timer = deps.sendSeconds.startTimer();
    const seqs = { first: entries[0]?.seq, last: entries[n - 1]?.seq };
    try {
      const report = await withRetries(
        () => target.deliver(entries),
        retry,
        clock,
        ({ attempt, delayMs, error }) => {
          counts.retried();
          logger.warn({ err: error, attempt, delayMs, records: n, ...seqs }, 'delivery failed, retrying after back-off');
        },
      );
      counts.acknowledged(n, report);
      timer({ outcome: 'ok' });
    } catch (error) {
      counts.failed(n);
      timer({ outcome: 'failed' });
      const attempts = error instanceof DeliveryFailedError ? error.attempts : undefined;
      logger.error({ err: error instanceof DeliveryFailedError ? error.cause : error, attempts, records: n, ...seqs }, 'records failed');
    } finally {
      counts.answered(n);
    }
  };
}
