import { deriveSeed, intBetween, random, type Random } from './prng.ts';

/**
 * Rate control, apart from what is sent: a schedule says how many events are due after a given time,
 * the pacer turns that into "send n now" for the run loop. Pure apart from the seeded randomness of
 * `regular` and `peak`, and driven by the caller's clock, so rates are tested in simulated time.
 */

export const modes = ['regular', 'peak', 'night'] as const;
export type Mode = (typeof modes)[number];

export const MAX_EPS = 100_000;
const REGULAR_EPS = { min: 1, max: 10 } as const;
export const PEAK_BURST = { min: 100, max: 1000, everyMs: 10_000 } as const;
export const NIGHT_EPS = 0.1;

export interface RateSchedule {
  /** Events due in [0, elapsedMs] since the schedule began; calls must not go back in time. */
  dueBy(elapsedMs: number): number;
  /** Nominal events per second at that time (bursts left out). */
  rateAt(elapsedMs: number): number;
}

/** Evenly spaced events, the first at once: `--eps N`, and `night` (one every 10 s). */
export function exactRate(eps: number): RateSchedule {
  assertEps(eps);
  return {
    dueBy: (elapsedMs) => (elapsedMs < 0 ? 0 : Math.floor((elapsedMs * eps) / 1000 + 1e-9) + 1),
    rateAt: () => eps,
  };
}

/**
 * `regular`: a random walk over 1–10 events/s, one step a second (−2…+2, kept in range), the
 * second's events evenly spaced inside it.
 */
function randomWalkRate(rand: Random): RateSchedule {
  let second = 0;
  let before = 0;
  let rate = intBetween(rand, REGULAR_EPS.min, REGULAR_EPS.max);
  const advanceTo = (target: number): void => {
    while (second < target) {
      before += rate;
      rate = Math.min(REGULAR_EPS.max, Math.max(REGULAR_EPS.min, rate + intBetween(rand, -2, 2)));
      second += 1;
    }
  };
  return {
    dueBy(elapsedMs) {
      if (elapsedMs < 0) return 0;
      advanceTo(Math.floor(elapsedMs / 1000));
      const inSecond = (elapsedMs - second * 1000) / 1000;
      return before + Math.min(rate, Math.floor(inSecond * rate + 1e-9) + 1);
    },
    rateAt(elapsedMs) {
      advanceTo(Math.max(second, Math.floor(elapsedMs / 1000)));
      return rate;
    },
  };
}

/** `peak`: regular traffic plus a burst of 100–1000 events every 10 s, the first at once. */
function peakRate(walk: Random, burstSizes: Random, everyMs: number = PEAK_BURST.everyMs): RateSchedule {
  const base = randomWalkRate(walk);
  const bursts: number[] = [];
  let burstTotal = 0;
  return {
    dueBy(elapsedMs) {
      if (elapsedMs < 0) return 0;
      const last = Math.floor(elapsedMs / everyMs);
      while (bursts.length <= last) {
        const size = intBetween(burstSizes, PEAK_BURST.min, PEAK_BURST.max);
        bursts.push(size);
        burstTotal += size;
      }
      return base.dueBy(elapsedMs) + burstTotal;
    },
    rateAt: (elapsedMs) => base.rateAt(elapsedMs),
  };
}

/** The schedule of a mode; `seed` drives its randomness (the same seed, the same traffic shape). */
export function scheduleFor(mode: Mode, seed: number, peakEveryMs?: number): RateSchedule {
  switch (mode) {
    case 'regular':
      return randomWalkRate(random(deriveSeed(seed, 'walk')));
    case 'peak':
      return peakRate(random(deriveSeed(seed, 'walk')), random(deriveSeed(seed, 'bursts')), peakEveryMs);
    case 'night':
      return exactRate(NIGHT_EPS);
  }
}

export interface PacerSettings {
  mode: Mode;
  /** An exact rate overriding the mode, or null. */
  eps: number | null;
}

export interface Pacer {
  /** Events to send now: what the schedule made due since the last call, plus forced bursts. */
  take(now: number): number;
  setMode(mode: Mode, now: number): void;
  setEps(eps: number, now: number): void;
  /** Adds `count` events to send at the next `take`. */
  burst(count: number): void;
  settings(): PacerSettings;
  /** Nominal events per second now. */
  rate(now: number): number;
  /** Events dropped because the sender fell further behind than `maxBacklog`. */
  readonly skipped: number;
}

export interface PacerOptions extends PacerSettings {
  seed: number;
  start: number;
  /** A sender slower than the schedule sends at most this many late events, then resumes on time (default 10 000). */
  maxBacklog?: number | undefined;
  peakEveryMs?: number | undefined;
}

/**
 * A new schedule segment starts at every change (mode or rate), so a change applies from that
 * moment; each segment's randomness is derived from the seed and the segment's number.
 */
export function createPacer(options: PacerOptions): Pacer {
  const maxBacklog = options.maxBacklog ?? 10_000;
  let settings: PacerSettings = { mode: options.mode, eps: options.eps };
  let segmentIndex = 0;
  let skipped = 0;
  let pendingBursts = 0;
  const begin = (start: number) => ({
    start,
    taken: 0,
    schedule:
      settings.eps !== null
        ? exactRate(settings.eps)
        : scheduleFor(settings.mode, deriveSeed(options.seed, 'timing', segmentIndex++), options.peakEveryMs),
  });
  let segment = begin(options.start);
  // Events the old schedule made due before the change (strictly before `now`) and not yet taken are still owed.
  const carryOver = (now: number): void => {
    const owed = segment.schedule.dueBy(now - segment.start - 1e-6) - segment.taken;
    if (owed > 0) pendingBursts += Math.min(owed, maxBacklog);
  };

  return {
    take(now) {
      let due = segment.schedule.dueBy(now - segment.start) - segment.taken;
      if (due > maxBacklog) {
        skipped += due - maxBacklog;
        segment.taken += due - maxBacklog;
        due = maxBacklog;
      }
      segment.taken += due;
      const total = due + pendingBursts;
      pendingBursts = 0;
      return total;
    },
    setMode(mode, now) {
      carryOver(now);
      settings = { mode, eps: null };
      segment = begin(now);
    },
    setEps(eps, now) {
      assertEps(eps);
      carryOver(now);
      settings = { ...settings, eps };
      segment = begin(now);
    },
    burst(count) {
      if (!Number.isInteger(count) || count < 1) throw new RangeError(`burst count must be a positive whole number, got ${count}`);
      pendingBursts += count;
    },
    settings: () => ({ ...settings }),
    rate: (now) => segment.schedule.rateAt(Math.max(0, now - segment.start)),
    get skipped() {
      return skipped;
    },
  };
}

function assertEps(eps: number): void {
  if (!Number.isFinite(eps) || eps <= 0 || eps > MAX_EPS)
    throw new RangeError(`eps must be a number above 0 and at most ${MAX_EPS}, got ${eps}`);
}
