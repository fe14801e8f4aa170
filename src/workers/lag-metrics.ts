import type { Bus, PartitionLag } from '../bus/bus.ts';
import { PulseError, errorCodes, withTimeout } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { WorkerMetrics } from './worker-metrics.ts';

export interface LagRefreshOptions {
  bus: Bus;
  /** The worker's short name: the `worker` label. */
  worker: string;
  group: string;
  topics: readonly string[];
  metrics: Pick<WorkerMetrics, 'lag' | 'lagRefreshErrors'>;
  logger: Logger;
  /** Between two reads of the group's lag (default 5 s). */
  intervalMs?: number | undefined;
  /** A read that takes longer counts as failed (default 3 s). */
  timeoutMs?: number | undefined;
}

export interface LagRefresh {
  /** Reads the lag now (also done at start and every interval); never rejects. */
  refresh(): Promise<void>;
  stop(): void;
}

/**
 * Keeps `pulse_worker_lag_records{worker,topic,partition}` current by reading the consumer group's
 * lag from the bus on a timer — off the event path, one read at a time. A failed or slow read is
 * counted in `pulse_worker_lag_refresh_errors_total` and leaves the last figures in place.
 */
export function startLagRefresh(options: LagRefreshOptions): LagRefresh {
  const { bus, worker, group, topics, metrics, logger } = options;
  const timeoutMs = options.timeoutMs ?? 3000;
  let exported = new Set<string>();
  let inFlight: Promise<void> | undefined;
  let failing = false;
  let stopped = false;

  const read = async (): Promise<void> => {
    try {
      const lag = await withTimeout(
        bus.groupLag(group, topics),
        timeoutMs,
        () => new PulseError(errorCodes.BUS_UNAVAILABLE, `lag query timed out after ${timeoutMs} ms`),
      );
      if (stopped) return;
      exported = setLag(metrics.lag, worker, lag, exported);
      if (failing) logger.info('reading the consumer-group lag works again');
      failing = false;
    } catch (error) {
      if (stopped) return;
      metrics.lagRefreshErrors.inc({ worker });
      // One warning when it starts failing, not one every interval.
      if (!failing) logger.warn({ err: error }, 'reading the consumer-group lag failed; the lag metric keeps its last figures');
      failing = true;
    }
  };
  const refresh = (): Promise<void> => {
    inFlight ??= read().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  metrics.lagRefreshErrors.inc({ worker }, 0);
  void refresh();
  const timer = setInterval(() => void refresh(), options.intervalMs ?? 5000);
  timer.unref();
  return {
    refresh,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

/**
 * Sets the gauge to `lag` for `worker` and removes the series of partitions it no longer reports.
 * Returns the label keys now exported, to pass as `previous` next time.
 */
export function setLag(
  gauge: WorkerMetrics['lag'],
  worker: string,
  lag: readonly PartitionLag[],
  previous: ReadonlySet<string>,
): Set<string> {
  const current = new Set<string>();
  for (const { topic, partition, lag: records } of lag) {
    current.add(`${topic}\u0000${partition}`);
    gauge.set({ worker, topic, partition: String(partition) }, Math.max(0, records));
  }
  for (const key of previous) {
    if (current.has(key)) continue;
    const [topic = '', partition = ''] = key.split('\u0000');
    gauge.remove({ worker, topic, partition });
  }
  return current;
}
