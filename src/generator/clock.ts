/**
 * Time as the generator sees it. The system clock in production; in tests a virtual clock whose
 * sleeps return at once in simulated time, so a minute of "night" mode runs in milliseconds and
 * rates and back-off delays are asserted exactly.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

export interface VirtualClock extends Clock {
  /** Every sleep ever requested, in order (for asserting back-off sequences). */
  readonly sleeps: readonly number[];
}

/**
 * Discrete-event time: pending sleeps wake one at a time, earliest first, each after the work
 * already queued (promise callbacks, I/O callbacks of the previous step) has run. Work must not wait
 * on real timers while simulated time moves on; fakes that settle through promises are fine.
 */
export function createVirtualClock(start = Date.UTC(2025, 0, 1)): VirtualClock {
  let now = start;
  let order = 0;
  let pumping = false;
  const timers: { at: number; order: number; wake: () => void }[] = [];
  const sleeps: number[] = [];
  const pump = (): void => {
    pumping = false;
    timers.sort((a, b) => a.at - b.at || a.order - b.order);
    const next = timers.shift();
    if (next === undefined) return;
    now = Math.max(now, next.at);
    next.wake();
    schedule();
  };
  const schedule = (): void => {
    if (pumping || timers.length === 0) return;
    pumping = true;
    setImmediate(pump);
  };
  return {
    sleeps,
    now: () => now,
    sleep(ms) {
      sleeps.push(ms);
      return new Promise((wake) => {
        timers.push({ at: now + Math.max(0, ms), order: order++, wake });
        schedule();
      });
    },
  };
}
