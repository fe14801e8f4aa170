import type { Deliver } from './deliver.ts';
import type { Strategy } from './generator.ts';
import type { PlannedEvent } from './plan.ts';

/**
 * How the run loop hands events to the target: sync awaits each record, async keeps up to
 * `maxInFlight` records in flight, batch gathers N records or waits at most X ms.
 */
export interface SendStrategy {
  /** Hands over one event drawn at tick time `now`; resolves when the loop may draw the next one. */
  send(entry: PlannedEvent, now: number): Promise<void>;
  /** Whether waiting records must go now (batch: the oldest has waited `batchMs`). */
  overdue(now: number): boolean;
  /** Sends the records that wait (batch). */
  flush(): Promise<void>;
  /** Sends what waits and resolves once every record handed over is answered. */
  drain(): Promise<void>;
}

export interface SendStrategyOptions {
  deliver: Deliver;
  /** Records handed over and not yet answered (async waits while there are `maxInFlight`). */
  inFlight: () => number;
  batchSize: number;
  batchMs: number;
  maxInFlight: number;
}

export function createSendStrategy(strategy: Strategy, options: SendStrategyOptions): SendStrategy {
  switch (strategy) {
    case 'sync':
      return sendOneAtATime(options.deliver);
    case 'async':
      return sendWithoutWaiting(options.deliver, options.inFlight, options.maxInFlight);
    case 'batch':
      return sendInBatches(options.deliver, options.batchSize, options.batchMs);
  }
}

/** sync: each record delivered, retries included, before the next is drawn. */
function sendOneAtATime(deliver: Deliver): SendStrategy {
  return {
    async send(entry) {
      await deliver([entry]);
    },
    overdue: () => false,
    flush: async () => {},
    drain: async () => {},
  };
}

/** async: records go out without waiting for answers, until `maxInFlight` records await one. */
function sendWithoutWaiting(deliver: Deliver, inFlight: () => number, maxInFlight: number): SendStrategy {
  const deliveries = new Set<Promise<void>>();
  const track = (delivery: Promise<void>): void => {
    deliveries.add(delivery);
    void delivery.finally(() => deliveries.delete(delivery));
  };
  return {
    async send(entry) {
      while (inFlight() >= maxInFlight && deliveries.size > 0) await Promise.race(deliveries);
      // Fire and go on: the outcome is counted by the delivery's own callbacks.
      track(deliver([entry]));
    },
    overdue: () => false,
    flush: async () => {},
    async drain() {
      while (deliveries.size > 0) await Promise.all([...deliveries]);
    },
  };
}

/** batch: records wait until `batchSize` of them are there, or the oldest has waited `batchMs`. */
function sendInBatches(deliver: Deliver, batchSize: number, batchMs: number): SendStrategy {
  let waiting: PlannedEvent[] = [];
  let oldestAt = 0;
  const flush = async (): Promise<void> => {
    if (waiting.length === 0) return;
    const batch = waiting;
    waiting = [];
    await deliver(batch);
  };
  return {
    async send(entry, now) {
      if (waiting.length === 0) oldestAt = now;
      waiting.push(entry);
      if (waiting.length >= batchSize) await flush();
    },
    overdue: (now) => waiting.length > 0 && now - oldestAt >= batchMs,
    flush,
    drain: flush,
  };
}
