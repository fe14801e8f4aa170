import type { Logger } from '../shared/logger.ts';
import { systemClock, type Clock } from './clock.ts';
import { createGeneratorMetrics, type GeneratorMetrics } from './metrics.ts';
import { createPlanner, partitionings, type Partitioning, type PlanOptions, type PlannedEvent } from './plan.ts';
import { DeliveryFailedError, defaultRetryPolicy, withRetries, type RetryPolicy } from './retry.ts';
import { MAX_EPS, createPacer, modes, type Mode } from './schedule.ts';
import type { Target } from './targets.ts';

/**
 * The run loop: every tick it asks the pacer how many events are due, draws them from the plan and
 * hands them to the send strategy; the strategy delivers to the target with retries and keeps the
 * counts. Settings (rate, mode, bursts) can change while it runs and apply from the next tick.
 */

export const strategies = ['sync', 'async', 'batch'] as const;
/** sync: one record at a time, each awaited with retries (critical data); async: records in flight at once, results counted in callbacks; batch: N records or X ms together. */
export type Strategy = (typeof strategies)[number];

export const MAX_BURST = 100_000;

export interface GeneratorOptions {
  seed: number;
  plan?: PlanOptions | undefined;
  mode: Mode;
  /** An exact rate (events/s) overriding the mode. */
  eps?: number | null | undefined;
  /** Stop after this many records. */
  count?: number | undefined;
  /** Stop after this long. */
  durationMs?: number | undefined;
  strategy: Strategy;
  /** batch: send when this many records are waiting (default 100)… */
  batchSize?: number | undefined;
  /** …or when the oldest has waited this long (default 200 ms). */
  batchMs?: number | undefined;
  retry?: RetryPolicy | undefined;
  /** async: most records awaiting an answer at once; the loop waits beyond it (default 1000). */
  maxInFlight?: number | undefined;
  /** How often the loop looks at the schedule (default 20 ms). */
  tickMs?: number | undefined;
  peakEveryMs?: number | undefined;
  /** A sender slower than the schedule sends at most this many late events (default 10 000). */
  maxBacklog?: number | undefined;
}

export interface GeneratorDeps {
  target: Target;
  logger: Logger;
  clock?: Clock | undefined;
  metrics?: GeneratorMetrics | undefined;
}

export interface GeneratorStatus {
  state: 'idle' | 'running' | 'draining' | 'stopped';
  target: string;
  strategy: Strategy;
  mode: Mode;
  /** The exact rate set by `--eps` or POST /config/speed, or null when the mode decides. */
  eps: number | null;
  /** The rate the schedule aims at now (events/s, bursts left out). */
  targetEps: number;
  /** Records sent per second over the last 5 s. */
  rate: number;
  seed: number;
  /** Records drawn from the plan (the first `planned` of planEvents(seed, …)). */
  planned: number;
  /** Records handed to the target (first attempt started). */
  sent: number;
  acked: number;
  failed: number;
  inFlight: number;
  /** Records the target refused by contract (HTTP target: ingest dead-lettered them). */
  rejected: number;
  retries: number;
  duplicates: number;
  invalid: number;
  views: number;
  bounces: number;
  /** Events the schedule wanted while the sender was too far behind. */
  skipped: number;
  /** Kafka target: records by partitioning strategy. */
  partitioning: Record<Partitioning, number>;
  /** Kafka target: acknowledged records per partition. */
  partitions: Record<string, number>;
  uptimeSeconds: number;
}

export interface LoadGenerator {
  /** Runs until the count or duration is reached or stop() is called; resolves after every record is answered. */
  run(): Promise<GeneratorStatus>;
  /** Stops drawing new events, sends what is buffered, waits for answers. */
  stop(): Promise<GeneratorStatus>;
  setEps(eps: number): void;
  setMode(mode: Mode): void;
  burst(count: number): void;
  status(): GeneratorStatus;
}

export function validateGeneratorOptions(options: GeneratorOptions): void {
  const wholeAtLeast = (name: string, value: number | undefined, min: number) => {
    if (value !== undefined && (!Number.isInteger(value) || value < min))
      throw new RangeError(`${name} must be a whole number ≥ ${min}, got ${value}`);
  };
  if (!(modes as readonly string[]).includes(options.mode))
    throw new RangeError(`mode must be one of ${modes.join(', ')}, got ${options.mode}`);
  if (!(strategies as readonly string[]).includes(options.strategy))
    throw new RangeError(`strategy must be one of ${strategies.join(', ')}`);
  const eps = options.eps;
  if (eps !== undefined && eps !== null && (!Number.isFinite(eps) || eps <= 0 || eps > MAX_EPS)) {
    throw new RangeError(`eps must be a number above 0 and at most ${MAX_EPS}, got ${eps}`);
  }
  wholeAtLeast('count', options.count, 1);
  if (options.durationMs !== undefined && !(options.durationMs > 0))
    throw new RangeError(`duration must be above 0, got ${options.durationMs}`);
  wholeAtLeast('batch size', options.batchSize, 1);
  wholeAtLeast('batch ms', options.batchMs, 1);
  wholeAtLeast('max in flight', options.maxInFlight, 1);
  const retry = options.retry;
  if (retry !== undefined) {
    wholeAtLeast('retry attempts', retry.attempts, 1);
    if (!(retry.baseMs >= 0) || !(retry.maxMs >= retry.baseMs)) throw new RangeError('retry delays must satisfy 0 ≤ base ≤ max');
  }
}

export function createLoadGenerator(options: GeneratorOptions, deps: GeneratorDeps): LoadGenerator {
  validateGeneratorOptions(options);
  const clock = deps.clock ?? systemClock;
  const metrics = deps.metrics ?? createGeneratorMetrics();
  const { target, logger } = deps;
  const retry = options.retry ?? defaultRetryPolicy;
  const batchSize = options.batchSize ?? 100;
  const batchMs = options.batchMs ?? 200;
  const maxInFlight = options.maxInFlight ?? 1000;
  const tickMs = options.tickMs ?? Math.min(20, batchMs);
  const planner = createPlanner(options.seed, options.plan);
  const created = clock.now();
  const pacer = createPacer({
    seed: options.seed,
    mode: options.mode,
    eps: options.eps ?? null,
    start: created,
    maxBacklog: options.maxBacklog,
    peakEveryMs: options.peakEveryMs,
  });

  const counts = {
    sent: 0,
    acked: 0,
    failed: 0,
    rejected: 0,
    retries: 0,
    duplicates: 0,
    invalid: 0,
    views: 0,
    bounces: 0,
    partitioning: Object.fromEntries(partitionings.map((p) => [p, 0])) as Record<Partitioning, number>,
    partitions: {} as Record<string, number>,
  };
  let state: GeneratorStatus['state'] = 'idle';
  let startedAt = created;
  let stopping = false;
  let running: Promise<GeneratorStatus> | undefined;
  const inFlight = new Set<Promise<void>>();
  let inFlightRecords = 0;
  let buffer: PlannedEvent[] = [];
  let bufferSince = 0;
  const samples: { at: number; sent: number }[] = [];

  const measuredRate = (now: number): number => {
    const oldest = samples[0];
    if (oldest === undefined || now <= oldest.at) return 0;
    return Math.round(((counts.sent - oldest.sent) / ((now - oldest.at) / 1000)) * 10) / 10;
  };

  const status = (): GeneratorStatus => {
    const now = clock.now();
    const settings = pacer.settings();
    return {
      state,
      target: target.description,
      strategy: options.strategy,
      mode: settings.mode,
      eps: settings.eps,
      targetEps: pacer.rate(now),
      rate: measuredRate(now),
      seed: options.seed,
      planned: planner.planned,
      sent: counts.sent,
      acked: counts.acked,
      failed: counts.failed,
      inFlight: inFlightRecords,
      rejected: counts.rejected,
      retries: counts.retries,
      duplicates: counts.duplicates,
      invalid: counts.invalid,
      views: counts.views,
      bounces: counts.bounces,
      skipped: pacer.skipped,
      partitioning: { ...counts.partitioning },
      partitions: { ...counts.partitions },
      uptimeSeconds: state === 'idle' ? 0 : Math.round(now - startedAt) / 1000,
    };
  };

  /** Delivers with retries and counts the outcome; never throws. */
  const deliver = async (entries: PlannedEvent[]): Promise<void> => {
    const n = entries.length;
    counts.sent += n;
    for (const entry of entries) {
      metrics.sent.inc({ kind: entry.kind });
      if (entry.duplicateOf !== null) {
        counts.duplicates += 1;
        metrics.duplicates.inc();
      } else if (entry.kind === 'invalid') counts.invalid += 1;
      else if (entry.kind === 'bounce') counts.bounces += 1;
      else counts.views += 1;
      if (target.kind === 'kafka') {
        counts.partitioning[entry.partitioning] += 1;
        metrics.partitioning.inc({ strategy: entry.partitioning });
      }
    }
    inFlightRecords += n;
    metrics.inFlight.set(inFlightRecords);
    const timer = metrics.sendSeconds.startTimer();
    const seqs = { first: entries[0]?.seq, last: entries[n - 1]?.seq };
    try {
      const report = await withRetries(
        () => target.deliver(entries),
        retry,
        clock,
        ({ attempt, delayMs, error }) => {
          counts.retries += 1;
          metrics.retries.inc();
          logger.warn({ err: error, attempt, delayMs, records: n, ...seqs }, 'delivery failed, retrying after back-off');
        },
      );
      counts.acked += n;
      metrics.acked.inc(n);
      counts.rejected += report.rejected;
      if (report.rejected > 0) metrics.rejected.inc(report.rejected);
      for (const partition of report.partitions) {
        counts.partitions[partition] = (counts.partitions[partition] ?? 0) + 1;
        metrics.partitions.inc({ partition: String(partition) });
      }
      timer({ outcome: 'ok' });
    } catch (error) {
      counts.failed += n;
      metrics.failed.inc(n);
      timer({ outcome: 'failed' });
      const attempts = error instanceof DeliveryFailedError ? error.attempts : undefined;
      logger.error({ err: error instanceof DeliveryFailedError ? error.cause : error, attempts, records: n, ...seqs }, 'records failed');
    } finally {
      inFlightRecords -= n;
      metrics.inFlight.set(inFlightRecords);
    }
  };

  const track = (delivery: Promise<void>): void => {
    inFlight.add(delivery);
    void delivery.finally(() => inFlight.delete(delivery));
  };

  const flush = async (): Promise<void> => {
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    await deliver(batch);
  };

  const dispatch = async (entry: PlannedEvent, now: number): Promise<void> => {
    switch (options.strategy) {
      case 'sync':
        await deliver([entry]);
        return;
      case 'async':
        while (inFlightRecords >= maxInFlight && inFlight.size > 0) await Promise.race(inFlight);
        // Fire and go on: the outcome is counted by the delivery's own callbacks.
        track(deliver([entry]));
        return;
      case 'batch':
        if (buffer.length === 0) bufferSince = now;
        buffer.push(entry);
        if (buffer.length >= batchSize) await flush();
        return;
    }
  };

  const remaining = (): number => (options.count === undefined ? Number.POSITIVE_INFINITY : options.count - planner.planned);
  const finished = (now: number): boolean =>
    remaining() <= 0 || (options.durationMs !== undefined && now - startedAt >= options.durationMs);

  const loop = async (): Promise<GeneratorStatus> => {
    state = 'running';
    startedAt = clock.now();
    // The schedule starts now, not when the generator was built.
    const settings = pacer.settings();
    if (settings.eps === null) pacer.setMode(settings.mode, startedAt);
    else pacer.setEps(settings.eps, startedAt);
    logger.info(
      { target: target.description, seed: options.seed, mode: settings.mode, eps: settings.eps, strategy: options.strategy },
      'generator started',
    );
    while (!stopping) {
      let now = clock.now();
      if (finished(now)) break;
      const due = Math.min(pacer.take(now), remaining());
      for (let i = 0; i < due && !stopping; i += 1) await dispatch(planner.next(), now);
      now = clock.now();
      if (options.strategy === 'batch' && buffer.length > 0 && now - bufferSince >= batchMs) await flush();
      samples.push({ at: now, sent: counts.sent });
      while (samples.length > 1 && (samples[0]?.at ?? now) < now - 5000) samples.shift();
      metrics.targetEps.set(pacer.rate(now));
      if (finished(now)) break;
      await clock.sleep(tickMs);
    }
    state = 'draining';
    await flush();
    while (inFlight.size > 0) await Promise.all([...inFlight]);
    state = 'stopped';
    const final = status();
    logger.info(
      { sent: final.sent, acked: final.acked, failed: final.failed, duplicates: final.duplicates, invalid: final.invalid },
      'generator finished',
    );
    return final;
  };

  return {
    run() {
      running ??= loop();
      return running;
    },
    async stop() {
      stopping = true;
      return running ?? status();
    },
    setEps(eps) {
      pacer.setEps(eps, clock.now());
      logger.info({ eps }, 'rate set');
    },
    setMode(mode) {
      if (!(modes as readonly string[]).includes(mode))
        throw new RangeError(`mode must be one of ${modes.join(', ')}, got ${String(mode)}`);
      pacer.setMode(mode, clock.now());
      logger.info({ mode }, 'mode set');
    },
    burst(count) {
      if (!Number.isInteger(count) || count < 1 || count > MAX_BURST) {
        throw new RangeError(`burst count must be a whole number from 1 to ${MAX_BURST}, got ${count}`);
      }
      pacer.burst(count);
      logger.info({ count }, 'burst queued');
    },
    status,
  };
}
