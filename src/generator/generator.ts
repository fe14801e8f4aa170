import type { Logger } from '../shared/logger.ts';
import { systemClock, type Clock } from './clock.ts';
import { createDeliver } from './deliver.ts';
import { createDeliveryCounts, type DeliveryTotals } from './delivery-counts.ts';
import { createGeneratorMetrics, type GeneratorMetrics } from './metrics.ts';
import { createPlanner, type PlanOptions } from './plan.ts';
import { createRateMeter } from './rate-meter.ts';
import { defaultRetryPolicy, type RetryPolicy } from './retry.ts';
import { MAX_EPS, createPacer, modes, type Mode, type Pacer, type PacerSettings } from './schedule.ts';
import { sendUntilDone } from './send-loop.ts';
import { createSendStrategy } from './send-strategies.ts';
import type { Target } from './targets.ts';

/**
 * The load generator: every tick the send loop (send-loop.ts) asks the pacer how many events are
 * due, draws them from the plan and hands them to the send strategy (send-strategies.ts); each
 * delivery goes to the target with retries (deliver.ts) and moves the counters (delivery-counts.ts).
 * Settings (rate, mode, bursts) can change while it runs and apply from the next tick.
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

export interface GeneratorStatus extends DeliveryTotals {
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
  inFlight: number;
  /** Events the schedule wanted while the sender was too far behind. */
  skipped: number;
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

function validateGeneratorOptions(options: GeneratorOptions): void {
  const wholeAtLeast = (name: string, value: number | undefined, min: number) => {
    if (value !== undefined && (!Number.isInteger(value) || value < min))
      throw new RangeError(`${name} must be a whole number ≥ ${min}, got ${value}`);
  };
  assertMode(options.mode);
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
  const batchMs = options.batchMs ?? 200;
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
  const counts = createDeliveryCounts(metrics, target.kind);
  const rateMeter = createRateMeter();
  const deliver = createDeliver({
    target,
    retry: options.retry ?? defaultRetryPolicy,
    clock,
    logger,
    counts,
    sendSeconds: metrics.sendSeconds,
  });
  const strategy = createSendStrategy(options.strategy, {
    deliver,
    inFlight: () => counts.inFlight,
    batchSize: options.batchSize ?? 100,
    batchMs,
    maxInFlight: options.maxInFlight ?? 1000,
  });

  let state: GeneratorStatus['state'] = 'idle';
  let startedAt = created;
  let stopping = false;
  let running: Promise<GeneratorStatus> | undefined;

  const status = (): GeneratorStatus => {
    const now = clock.now();
    const settings = pacer.settings();
    const totals = counts.totals();
    return {
      state,
      target: target.description,
      strategy: options.strategy,
      mode: settings.mode,
      eps: settings.eps,
      targetEps: pacer.rate(now),
      rate: rateMeter.rate(now, totals.sent),
      seed: options.seed,
      planned: planner.planned,
      sent: totals.sent,
      acked: totals.acked,
      failed: totals.failed,
      inFlight: counts.inFlight,
      rejected: totals.rejected,
      retries: totals.retries,
      duplicates: totals.duplicates,
      invalid: totals.invalid,
      views: totals.views,
      quickExits: totals.quickExits,
      skipped: pacer.skipped,
      partitioning: totals.partitioning,
      partitions: totals.partitions,
      uptimeSeconds: state === 'idle' ? 0 : Math.round(now - startedAt) / 1000,
    };
  };

  const run = async (): Promise<GeneratorStatus> => {
    state = 'running';
    startedAt = clock.now();
    const settings = restartSchedule(pacer, startedAt);
    logger.info(
      { target: target.description, seed: options.seed, mode: settings.mode, eps: settings.eps, strategy: options.strategy },
      'generator started',
    );
    await sendUntilDone(
      {
        clock,
        pacer,
        planner,
        strategy,
        limits: { count: options.count, durationMs: options.durationMs },
        tickMs: options.tickMs ?? Math.min(20, batchMs),
        stopRequested: () => stopping,
        afterTick: (now) => {
          rateMeter.sample(now, counts.sent);
          metrics.targetEps.set(pacer.rate(now));
        },
      },
      startedAt,
    );
    state = 'draining';
    await strategy.drain();
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
      running ??= run();
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
      assertMode(mode);
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

/** The schedule starts when the run does, not when the generator was built: its current settings begin again at `at`. */
function restartSchedule(pacer: Pacer, at: number): PacerSettings {
  const settings = pacer.settings();
  if (settings.eps === null) pacer.setMode(settings.mode, at);
  else pacer.setEps(settings.eps, at);
  return settings;
}

function assertMode(mode: Mode): void {
  if (!(modes as readonly string[]).includes(mode)) throw new RangeError(`mode must be one of ${modes.join(', ')}, got ${String(mode)}`);
}
