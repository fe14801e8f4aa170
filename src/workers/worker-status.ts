import type { Bus, PartitionLag } from '../bus/bus.ts';
import { PulseError, errorCodes, withTimeout } from '../shared/errors.ts';
import type { RunningWorker } from './worker-runner.ts';

/** A worker's /status: its loop's figures and its consumer group's lag (null with the reason when Kafka does not answer). */
export function workerStatus(bus: Bus, worker: RunningWorker): () => Promise<Record<string, unknown>> {
  return async () => {
    const { group, topics } = worker.status();
    // The lag is read before the loop's figures: a batch's figures are counted before its offsets are
    // committed, so figures taken after the lag include every record the lag says is done (a lag of 0
    // then means every record is counted, never a batch committed during the query but missing here).
    let lagPart: { lag: PartitionLag[] | null; totalLag: number | null; lagError?: string };
    try {
      const lag = await withTimeout(
        bus.groupLag(group, topics),
        3000,
        () => new PulseError(errorCodes.BUS_UNAVAILABLE, 'lag query timed out'),
      );
      lagPart = { lag, totalLag: lag.reduce((sum, p) => sum + p.lag, 0) };
    } catch (error) {
      lagPart = { lag: null, totalLag: null, lagError: error instanceof Error ? error.message : String(error) };
    }
    return { ...worker.status(), ...lagPart };
  };
}
