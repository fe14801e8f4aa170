import type { Clock } from './clock.ts';
import type { Planner } from './plan.ts';
import type { Pacer } from './schedule.ts';
import type { SendStrategy } from './send-strategies.ts';

export interface RunLimits {
  /** Stop after this many records drawn from the plan. */
  count?: number | undefined;
  /** Stop this long after the run started. */
  durationMs?: number | undefined;
}

export interface SendLoopParts {
  clock: Clock;
  pacer: Pacer;
  planner: Planner;
  strategy: SendStrategy;
  limits: RunLimits;
  /** How often the loop looks at the schedule. */
  tickMs: number;
  /** stop() was called: draw no more events. */
  stopRequested: () => boolean;
  /** At the end of every tick, once its events are handed over (rate samples, gauges). */
  afterTick: (now: number) => void;
}

/**
 * Every tick: draws the events the pacer says are due (no more than the count leaves) and hands
 * them to the strategy, sends a batch whose oldest record has waited long enough, then sleeps one
 * tick. Returns once a limit is reached or a stop is requested; records handed over may still
 * await their answers (the strategy's drain waits for them).
 */
export async function sendUntilDone(parts: SendLoopParts, startedAt: number): Promise<void> {
  const { clock, pacer, planner, strategy, limits } = parts;
  while (!parts.stopRequested()) {
    let now = clock.now();
    if (limitReached(limits, planner.planned, startedAt, now)) break;
    const due = Math.min(pacer.take(now), recordsLeft(limits, planner.planned));
    for (let i = 0; i < due && !parts.stopRequested(); i += 1) await strategy.send(planner.next(), now);
    now = clock.now();
    if (strategy.overdue(now)) await strategy.flush();
    parts.afterTick(now);
    if (limitReached(limits, planner.planned, startedAt, now)) break;
    await clock.sleep(parts.tickMs);
  }
}

/** Records the count still allows, or no end. */
function recordsLeft(limits: RunLimits, planned: number): number {
  return limits.count === undefined ? Number.POSITIVE_INFINITY : limits.count - planned;
}

function limitReached(limits: RunLimits, planned: number, startedAt: number, now: number): boolean {
  return recordsLeft(limits, planned) <= 0 || (limits.durationMs !== undefined && now - startedAt >= limits.durationMs);
}
