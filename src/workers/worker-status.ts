import type { Bus } from '../bus/bus.ts';
import { PulseError, errorCodes, withTimeout } from '../shared/errors.ts';
import type { RunningWorker } from './worker-runner.ts';

/** A worker's /status: its loop's figures and its consumer group's lag (null with the reason when Kafka does not answer). */
export function workerStatus(bus: Bus, worker: RunningWorker): () => Promise<Record<string, unknown>> {
  return async () => {
    const status = worker.status();
    try {
      const lag = await withTimeout(
        bus.groupLag(status.group, status.topics),
        3000,
        () => new PulseError(errorCodes.BUS_UNAVAILABLE, 'lag query timed out'),
      );
      return { ...status, lag, totalLag: lag.reduce((sum, p) => sum + p.lag, 0) };
    } catch (error) {
      return { ...status, lag: null, totalLag: null, lagError: error instanceof Error ? error.message : String(error) };
    }
  };
}
