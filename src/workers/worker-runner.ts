import type { Bus, BusRecord, OutgoingRecord, Subscription } from '../bus/bus.ts';
import { dlqOf } from '../bus/topics.ts';
import type { Pipeline } from '../contract/outcome.ts';
import { PulseError, errorCodes, isRetriable, withTimeout } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { startLagRefresh } from './lag-metrics.ts';
import type { WorkerMetrics } from './worker-metrics.ts';

export interface WorkerDefinition<T> {
  /** Short name used in logs, metrics and the DLQ header (`realtime`, `warehouse-postgres`, …). */
  name: string;
  group: string;
  topics: string[];
  /** The named steps from a record to the value the sink takes. */
  decode: Pipeline<BusRecord, T>;
  /**
   * Writes one batch; must be idempotent because a batch can be delivered again. A failure with
   * `retriable: false` (a PulseError) means some value cannot be written: the runner narrows the
   * batch down to it, dead-letters it and writes the rest.
   */
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
  /**
   * Longest a sink call may take before it counts as a retriable failure (default 30 s). A store
   * client can wait forever on a connection that will never answer (a half-open socket, a reconnect
   * loop after a restart); the worker must not wait with it. The call left behind may still finish:
   * sinks are idempotent, so the retry that overlaps it writes nothing twice.
   */
  sinkTimeoutMs?: number | undefined;
  /** How often the consumer-group lag metric is refreshed (default 5 s; only with `metrics`). */
  lagIntervalMs?: number | undefined;
}

export interface WorkerStatus {
  worker: string;
  group: string;
  topics: string[];
  steps: readonly string[];
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
  const sinkTimeoutMs = options.sinkTimeoutMs ?? 30_000;
  const bounded = <R>(what: string, call: () => Promise<R>): Promise<R> =>
    withTimeout(
      call(),
      sinkTimeoutMs,
      () => new PulseError(errorCodes.STORE_UNAVAILABLE, `${what} did not finish within ${sinkTimeoutMs / 1000} s`),
    );
  const status: WorkerStatus = {
    worker: definition.name,
    group: definition.group,
    topics: definition.topics,
    steps: definition.decode.steps,
    state: 'starting',
    batches: 0,
    records: { ok: 0, dlq: 0, drop: 0 },
    lastBatchAt: null,
    newestEventTs: null,
    lastError: null,
  };
  let running = true;
  const subscribe = () => options.bus.subscribe({ group: definition.group, topics: definition.topics, from: 'earliest' });
  let subscription: Subscription = await subscribe();
  const metrics = options.metrics;
  const worker = definition.name;
  if (metrics !== undefined) {
    // Exported from the start (at 0), so rate() and increase() see the first occurrence.
    for (const outcome of ['ok', 'dlq', 'drop']) metrics.records.inc({ worker, outcome }, 0);
    for (const retriable of ['true', 'false']) metrics.sinkErrors.inc({ worker, retriable }, 0);
    for (const topic of definition.topics) metrics.dlqRecords.inc({ topic: dlqOf(topic) }, 0);
  }
  const lagRefresh =
    metrics === undefined
      ? undefined
      : startLagRefresh({
          bus: options.bus,
          worker,
          group: definition.group,
          topics: definition.topics,
          metrics,
          logger: log,
          intervalMs: options.lagIntervalMs,
        });
  /** Failures in a row of the group membership (polls or commits); a few mean it is broken, not busy. */
  let membershipFailures = 0;
  /**
   * A member whose group coordinator died or whose stream failed can stay broken (every commit
   * refused, every poll failing) while the bus itself is fine: a new member joins afresh. What it
   * had not committed is delivered again, which the idempotent sink absorbs.
   */
  const renewAfterFailures = async (what: string, error: unknown): Promise<void> => {
    membershipFailures += 1;
    status.lastError = `${what}: ${error instanceof Error ? error.message : String(error)}`;
    if (membershipFailures < 3 || !running) return;
    log.warn({ err: error }, `${what} failed ${membershipFailures} times in a row; joining the group again`);
    // The new member first: if joining fails, the old one stays and the next failure tries again.
    const renewed = await subscribe();
    const broken = subscription;
    subscription = renewed;
    membershipFailures = 0;
    await broken.close().catch((closeError: unknown) => log.warn({ err: closeError }, 'closing the broken member failed'));
  };
  status.state = 'running';

  let commitInFlight: Promise<void> = Promise.resolve();
  const commit = async (member: Subscription, records: BusRecord[]): Promise<void> => {
    try {
      await member.commit(records);
      membershipFailures = 0;
    } catch (error) {
      // A rebalance took the partitions away: the new owner re-reads, the sink absorbs the repeat.
      log.warn({ err: error }, 'commit failed; the batch may be delivered again');
      metrics?.busErrors.inc({ worker, operation: 'commit' });
      await renewAfterFailures('commit', error).catch((renewError: unknown) => log.error({ err: renewError }, 'joining again failed'));
    }
  };

  const sinkRetried = (): void => metrics?.sinkErrors.inc({ worker, retriable: 'true' });

  /** Repeats `work` with growing pauses until it succeeds or the worker is stopped; false if stopped (each failure counted). */
  const untilDone = async (what: string, work: () => Promise<void>, countFailure: () => void): Promise<boolean> => {
    for (let attempt = 0; running; attempt += 1) {
      try {
        await work();
        if (attempt > 0) log.info({ attempts: attempt + 1 }, `${what} succeeded after ${attempt} failed attempts`);
        if (status.state === 'retrying') status.state = 'running';
        return true;
      } catch (error) {
        status.state = 'retrying';
        status.lastError = `${what}: ${error instanceof Error ? error.message : String(error)}`;
        countFailure();
        log.warn({ err: error, attempt }, `${what} failed; retrying`);
        await sleep(Math.min(maxDelay, 200 * 2 ** attempt));
      }
    }
    return false;
  };

  /**
   * Writes `items`; a failure that cannot succeed on retry is narrowed down by halves to the values
   * that cause it, which come back as rejects. Retriable failures back off as for any write.
   * Returns undefined when the worker was stopped meanwhile.
   */
  const writeIsolating = async (items: Decoded<T>[]): Promise<Reject[] | undefined> => {
    if (items.length === 0) return [];
    let poison: unknown;
    const written = await untilDone(
      'sink write',
      async () => {
        const stopTimer = metrics?.sinkSeconds.startTimer({ worker });
        try {
          await bounded('the sink write', () => definition.sink(items.map((item) => item.value)));
        } catch (error) {
          if (isRetriable(error)) throw error;
          poison = error;
          metrics?.sinkErrors.inc({ worker, retriable: 'false' });
        } finally {
          stopTimer?.();
        }
      },
      sinkRetried,
    );
    if (!written) return undefined;
    if (poison === undefined) return [];
    if (items.length === 1) {
      const reason = `sink refused the record: ${poison instanceof Error ? poison.message : String(poison)}`;
      log.warn({ err: poison, origin: origin((items[0] as Decoded<T>).record) }, 'record refused by the sink; dead-lettered');
      return [{ record: (items[0] as Decoded<T>).record, reason }];
    }
    const half = Math.ceil(items.length / 2);
    const first = await writeIsolating(items.slice(0, half));
    const second = first === undefined ? undefined : await writeIsolating(items.slice(half));
    return first === undefined || second === undefined ? undefined : [...first, ...second];
  };

  /** Polls the next batch and decodes it; pure apart from the poll, so it runs while the batch before is written. */
  const pollAndDecode = async (): Promise<Batch<T>> => {
    const member = subscription;
    const records = await member.poll(batchSize, pollWaitMs);
    const decoded: Decoded<T>[] = [];
    const rejects: Reject[] = [];
    const drops = new Map<string, number>();
    for (const record of records) {
      const outcome = definition.decode(record);
      if (outcome.kind === 'ok') decoded.push({ record, value: outcome.value });
      else if (outcome.kind === 'drop') drops.set(outcome.reason, (drops.get(outcome.reason) ?? 0) + 1);
      else rejects.push({ record, reason: outcome.reason });
    }
    return { member, records, decoded, rejects, drops };
  };

  const handle = async ({ member, records, decoded, rejects, drops }: Batch<T>): Promise<boolean> => {
    const stopTimer = options.metrics?.batchSeconds.startTimer({ worker: definition.name });
    const refused = await writeIsolating(decoded);
    if (refused === undefined) return false;
    rejects.push(...refused);
    const deadLetters = rejects.map(({ record, reason }) => deadLetter(record, reason, definition.name));
    const recordRejects = definition.recordRejects;
    if (
      rejects.length > 0 &&
      recordRejects !== undefined &&
      !(await untilDone('reject write', () => bounded('the reject write', () => recordRejects(rejects)), sinkRetried))
    ) {
      return false;
    }
    if (
      deadLetters.length > 0 &&
      !(await untilDone(
        'dead-letter produce',
        async () => void (await options.bus.produce(deadLetters)),
        () => metrics?.busErrors.inc({ worker, operation: 'dlq_produce' }),
      ))
    ) {
      return false;
    }
    if (metrics !== undefined) for (const { topic } of deadLetters) metrics.dlqRecords.inc({ topic });
    // The commit runs while the next batch is polled and written: its round trip to the broker is
    // off the path of every event. Commits stay in order (one in flight), each after its batch's write.
    await commitInFlight;
    commitInFlight = commit(member, records);
    const written = decoded.length - refused.length;
    const dropped = [...drops.values()].reduce((sum, n) => sum + n, 0);
    status.batches += 1;
    status.records.ok += written;
    status.records.dlq += deadLetters.length;
    status.records.drop += dropped;
    status.lastBatchAt = new Date().toISOString();
    if (definition.eventTime !== undefined && decoded.length > 0) {
      const newest = Math.max(...decoded.map((item) => (definition.eventTime as (value: T) => number)(item.value)));
      status.newestEventTs = Math.max(status.newestEventTs ?? 0, newest);
      metrics?.noteNewestEvent(worker, status.newestEventTs);
    }
    metrics?.lastBatchTimestamp.set({ worker }, Date.now() / 1000);
    options.metrics?.records.inc({ worker: definition.name, outcome: 'ok' }, written);
    options.metrics?.records.inc({ worker: definition.name, outcome: 'dlq' }, deadLetters.length);
    options.metrics?.records.inc({ worker: definition.name, outcome: 'drop' }, dropped);
    for (const [reason, count] of drops) options.metrics?.drops.inc({ worker: definition.name, reason }, count);
    stopTimer?.();
    return true;
  };

  // While one batch is written, the next is polled and decoded: the worker's own CPU work overlaps the
  // store's. Writes stay one at a time and in order; a batch polled when the worker stops is not
  // written or committed, so the group delivers it again.
  const loop = (async () => {
    let next: Promise<Batch<T>> | undefined;
    while (running) {
      try {
        const polled = next ?? pollAndDecode();
        next = undefined;
        const batch = await polled;
        next = running ? pollAndDecode() : undefined;
        // A poll that fails while this batch is written is met when it is awaited, above.
        next?.catch(() => undefined);
        if (batch.records.length > 0) await handle(batch);
      } catch (error) {
        // A batch polled ahead is kept: only a failed poll is dropped, and polled again.
        log.error({ err: error }, 'poll failed');
        metrics?.busErrors.inc({ worker, operation: 'poll' });
        await sleep(1000);
        await renewAfterFailures('poll', error).catch((renewError: unknown) => log.error({ err: renewError }, 'joining again failed'));
      }
    }
    await next?.catch(() => undefined);
  })();

  return {
    status: () => ({ ...status, records: { ...status.records } }),
    async stop() {
      running = false;
      lagRefresh?.stop();
      await loop;
      await commitInFlight;
      await subscription.close();
      status.state = 'stopped';
    },
  };
}

interface Decoded<T> {
  record: BusRecord;
  value: T;
}

/** A polled batch, decoded, with the group member it came from (its offsets are committed there). */
interface Batch<T> {
  member: Subscription;
  records: BusRecord[];
  decoded: Decoded<T>[];
  rejects: Reject[];
  drops: Map<string, number>;
}

const origin = (record: BusRecord): string => `${record.topic}/${record.partition}/${record.offset}`;

function deadLetter(record: BusRecord, reason: string, worker: string): OutgoingRecord {
  return {
    topic: dlqOf(record.topic),
    key: record.key ?? undefined,
    value: record.value,
    headers: {
      ...record.headers,
      'pulse-error': reason.slice(0, 1000),
      'pulse-worker': worker,
      'pulse-origin': origin(record),
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
