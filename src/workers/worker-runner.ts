import type { Bus, BusRecord, OutgoingRecord, Subscription } from '../bus/bus.ts';
import { dlqOf } from '../bus/topics.ts';
import type { Logger } from '../shared/logger.ts';
import type { Outcome } from './outcome.ts';
import type { WorkerMetrics } from './worker-metrics.ts';

export interface WorkerDefinition<T> {
  /** Short name used in logs, metrics and the DLQ header (`realtime`, `warehouse-postgres`, …). */
  name: string;
  group: string;
  topics: string[];
  decode: (record: BusRecord) => Outcome<T>;
  /** Writes one batch; must be idempotent because a batch can be delivered again. */
  sink: (values: T[]) => Promise<void>;
  /** Event time of a value, for the "newest aggregated event" figure. */
  eventTime?: (value: T) => number;
  /** Also records refused records in the sink (e.g. a processing_errors table), before the commit. */
  recordRejects?: (rejects: Reject[]) => Promise<void>;
}

export interface Reject {
  record: BusRecord;
  reason: string;
}

export interface WorkerOptions {
  bus: Bus;
  logger: Logger;
  metrics?: WorkerMetrics | undefined;
  batchSize?: number;
  pollWaitMs?: number;
  /** Back-off cap while a sink keeps failing. */
  maxRetryDelayMs?: number;
}

export interface WorkerStatus {
  worker: string;
  group: string;
  topics: string[];
  state: 'starting' | 'running' | 'retrying' | 'stopped';
  batches: number;
  records: { ok: number; dlq: number; drop: number };
  lastBatchAt: string | null;
  newestEventTs: number | null;
  lastError: string | null;
}

export interface RunningWorker {
  status(): WorkerStatus;
  /** Finishes the batch in hand, then leaves the group. */
  stop(): Promise<void>;
}

/**
 * The loop every worker shares: poll a batch, decode each record to an
 * outcome, write the ok values in one sink call, dead-letter the rest, and
 * commit only after both succeeded. A crash anywhere before the commit
 * redelivers the batch; sinks are idempotent, so that is harmless.
 */
export async function startWorker<T>(definition: WorkerDefinition<T>, options: WorkerOptions): Promise<RunningWorker> {
  const log = options.logger.child({ worker: definition.name });
  const batchSize = options.batchSize ?? 500;
  const pollWaitMs = options.pollWaitMs ?? 250;
  const maxDelay = options.maxRetryDelayMs ?? 5000;
  const status: WorkerStatus = {
    worker: definition.name,
    group: definition.group,
    topics: definition.topics,
    state: 'starting',
    batches: 0,
    records: { ok: 0, dlq: 0, drop: 0 },
    lastBatchAt: null,
    newestEventTs: null,
    lastError: null,
  };
  let running = true;
  const subscription: Subscription = await options.bus.subscribe({ group: definition.group, topics: definition.topics, from: 'earliest' });
  status.state = 'running';

  /** Repeats `work` with growing pauses until it succeeds or the worker is stopped; false if stopped. */
  const untilDone = async (what: string, work: () => Promise<void>): Promise<boolean> => {
    for (let attempt = 0; running; attempt += 1) {
      try {
        await work();
        if (status.state === 'retrying') status.state = 'running';
        return true;
      } catch (error) {
        status.state = 'retrying';
        status.lastError = `${what}: ${error instanceof Error ? error.message : String(error)}`;
        options.metrics?.sinkFailures.inc({ worker: definition.name });
        log.warn({ err: error, attempt }, `${what} failed; retrying`);
        await sleep(Math.min(maxDelay, 200 * 2 ** attempt));
      }
    }
    return false;
  };

  const handle = async (records: BusRecord[]): Promise<boolean> => {
    const stopTimer = options.metrics?.batchSeconds.startTimer({ worker: definition.name });
    const values: T[] = [];
    const rejects: Reject[] = [];
    let dropped = 0;
    for (const record of records) {
      const outcome = definition.decode(record);
      if (outcome.kind === 'ok') values.push(outcome.value);
      else if (outcome.kind === 'drop') dropped += 1;
      else rejects.push({ record, reason: outcome.reason });
    }
    const deadLetters = rejects.map(({ record, reason }) => deadLetter(record, reason, definition.name));
    if (values.length > 0 && !(await untilDone('sink write', () => definition.sink(values)))) return false;
    const recordRejects = definition.recordRejects;
    if (rejects.length > 0 && recordRejects !== undefined && !(await untilDone('reject write', () => recordRejects(rejects)))) return false;
    if (deadLetters.length > 0 && !(await untilDone('dead-letter produce', async () => void (await options.bus.produce(deadLetters))))) {
      return false;
    }
    try {
      await subscription.commit(records);
    } catch (error) {
      // A rebalance took the partitions away: the new owner re-reads, the sink absorbs the repeat.
      log.warn({ err: error }, 'commit failed; the batch may be delivered again');
    }
    status.batches += 1;
    status.records.ok += values.length;
    status.records.dlq += deadLetters.length;
    status.records.drop += dropped;
    status.lastBatchAt = new Date().toISOString();
    if (definition.eventTime !== undefined && values.length > 0) {
      const newest = Math.max(...values.map(definition.eventTime));
      status.newestEventTs = Math.max(status.newestEventTs ?? 0, newest);
      options.metrics?.newestEventAge.set({ worker: definition.name }, (Date.now() - newest) / 1000);
    }
    options.metrics?.records.inc({ worker: definition.name, outcome: 'ok' }, values.length);
    options.metrics?.records.inc({ worker: definition.name, outcome: 'dlq' }, deadLetters.length);
    options.metrics?.records.inc({ worker: definition.name, outcome: 'drop' }, dropped);
    stopTimer?.();
    return true;
  };

  const loop = (async () => {
    while (running) {
      try {
        const records = await subscription.poll(batchSize, pollWaitMs);
        if (records.length > 0) await handle(records);
      } catch (error) {
        status.lastError = `poll: ${error instanceof Error ? error.message : String(error)}`;
        log.error({ err: error }, 'poll failed');
        await sleep(1000);
      }
    }
  })();

  return {
    status: () => ({ ...status, records: { ...status.records } }),
    async stop() {
      running = false;
      await loop;
      await subscription.close();
      status.state = 'stopped';
    },
  };
}

function deadLetter(record: BusRecord, reason: string, worker: string): OutgoingRecord {
  return {
    topic: dlqOf(record.topic),
    key: record.key ?? undefined,
    value: record.value,
    headers: {
      ...record.headers,
      'pulse-error': reason.slice(0, 1000),
      'pulse-worker': worker,
      'pulse-origin': `${record.topic}/${record.partition}/${record.offset}`,
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
