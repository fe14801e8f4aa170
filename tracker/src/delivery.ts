import { readJson } from './storage.ts';
import { storageKeys, type KeyValueStore, type PulseEvent } from './types.ts';

/** One queued event and the URL it goes to (events and mouse positions may use different endpoints). */
export interface Outgoing {
  u: string;
  e: PulseEvent;
}

export interface Transport {
  /** Resolves with the HTTP status (and Retry-After seconds if readable); rejects when ingest is unreachable. */
  post(url: string, body: string): Promise<{ status: number; retryAfter?: number | undefined }>;
  /** Hands a body to the browser to send even after the page is gone (sendBeacon); false if refused. */
  beacon(url: string, body: string): boolean;
}

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  random(): number;
}

export interface DeliveryOptions {
  /** Most events in one request; a full batch is sent at once. */
  batchSize: number;
  /** Longest time (ms) an event waits for its batch to fill. */
  flushInterval: number;
  /** Most events kept while ingest is unreachable; the oldest are dropped beyond it. */
  maxQueue: number;
  /** First retry delay (ms); doubles per failure up to maxBackoff. */
  minBackoff: number;
  maxBackoff: number;
}

export interface DeliveryStats {
  queued: number;
  /** Acknowledged by ingest, or handed to the browser as a beacon. */
  sent: number;
  dropped: number;
  failures: number;
}

export interface Delivery {
  enqueue(item: Outgoing): void;
  /** Sends what is queued now, unless waiting out a backoff. */
  flush(): void;
  /** Ends a backoff early (the browser came back online). */
  retryNow(): void;
  /** The page is being hidden or left: beacon what is queued, or keep it for the next page while ingest is down. */
  pageHidden(): void;
  /** Forgets everything queued, in memory and in storage (opt-out). */
  clear(): void;
  stats(): DeliveryStats;
}

const isOutgoing = (value: unknown): value is Outgoing =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Outgoing).u === 'string' &&
  typeof (value as Outgoing).e === 'object' &&
  (value as Outgoing).e !== null &&
  typeof (value as Outgoing).e.event_id === 'string';

/** Answers that a retry cannot fix: the request reached ingest, which refused it for good. */
const isFinalRefusal = (status: number) => status >= 400 && status < 500 && status !== 408 && status !== 429;

/**
 * Batching, retry with exponential backoff, and a bounded queue that survives
 * a reload while ingest is unreachable. Events are at-least-once: each carries
 * its event_id, so a repeat after an unclear failure is recognisable.
 *
 * Storage holds only what may otherwise be lost (after a failed attempt, or a
 * refused beacon), so tabs that share localStorage do not send each other's
 * events in normal operation.
 */
export function createDelivery(transport: Transport, clock: Clock, store: KeyValueStore, options: DeliveryOptions): Delivery {
  let queue: Outgoing[] = readStored();
  store.removeItem(storageKeys.queue);
  let inflight: Outgoing[] = [];
  /** Event ids this page wrote to storage, so a later write can replace them and keep other tabs' entries. */
  let mine = new Set<string>();
  let failures = 0;
  let sent = 0;
  let dropped = 0;
  let timer: unknown = undefined;
  let timerAt = Number.POSITIVE_INFINITY;

  function readStored(): Outgoing[] {
    const value = readJson(store, storageKeys.queue);
    return Array.isArray(value) ? value.filter(isOutgoing) : [];
  }

  function persist(): void {
    const current = inflight.concat(queue);
    if (mine.size === 0 && current.length === 0) return;
    const ids = new Set(current.map((item) => item.e.event_id));
    const others = readStored().filter((item) => !mine.has(item.e.event_id) && !ids.has(item.e.event_id));
    const all = others.concat(current).slice(-options.maxQueue);
    mine = ids;
    if (all.length > 0) store.setItem(storageKeys.queue, JSON.stringify(all));
    else store.removeItem(storageKeys.queue);
  }

  function bound(): void {
    const excess = queue.length + inflight.length - options.maxQueue;
    if (excess > 0) {
      queue = queue.slice(excess);
      dropped += excess;
    }
  }

  function schedule(ms: number): void {
    const at = clock.now() + ms;
    if (timer !== undefined && timerAt <= at) return;
    if (timer !== undefined) clock.clearTimeout(timer);
    timerAt = at;
    timer = clock.setTimeout(() => {
      timer = undefined;
      timerAt = Number.POSITIVE_INFINITY;
      flush();
    }, ms);
  }

  function backoff(retryAfterSeconds: number | undefined): number {
    const exponential = Math.min(options.maxBackoff, options.minBackoff * 2 ** Math.min(failures - 1, 20));
    const jittered = exponential * (0.8 + 0.4 * clock.random());
    const asked = retryAfterSeconds !== undefined && retryAfterSeconds > 0 ? Math.min(retryAfterSeconds * 1000, options.maxBackoff) : 0;
    return Math.round(Math.min(options.maxBackoff, Math.max(jittered, asked)));
  }

  function flush(): void {
    if (inflight.length > 0 || queue.length === 0) return;
    if (timer !== undefined) {
      clock.clearTimeout(timer);
      timer = undefined;
      timerAt = Number.POSITIVE_INFINITY;
    }
    const url = (queue[0] as Outgoing).u;
    const batch: Outgoing[] = [];
    const rest: Outgoing[] = [];
    for (const item of queue) (item.u === url && batch.length < options.batchSize ? batch : rest).push(item);
    queue = rest;
    inflight = batch;
    let body: string;
    try {
      body = JSON.stringify(batch.map((item) => item.e));
    } catch {
      // An event that cannot be serialised (a cyclic prop) would block the queue forever.
      dropped += batch.length;
      inflight = [];
      return;
    }
    let attempt: Promise<{ status: number; retryAfter?: number | undefined }>;
    try {
      attempt = transport.post(url, body);
    } catch (error) {
      attempt = Promise.reject(error);
    }
    attempt.then(
      (answer) => settle(answer.status, answer.retryAfter),
      () => settle(0, undefined),
    );
  }

  function settle(status: number, retryAfter: number | undefined): void {
    const batch = inflight;
    inflight = [];
    if ((status >= 200 && status < 300) || isFinalRefusal(status)) {
      if (status < 300) sent += batch.length;
      else dropped += batch.length;
      failures = 0;
      if (mine.size > 0) persist();
      if (queue.length > 0) schedule(queue.length >= options.batchSize ? 0 : options.flushInterval);
      return;
    }
    queue = batch.concat(queue);
    failures += 1;
    bound();
    persist();
    schedule(backoff(retryAfter));
  }

  if (queue.length > 0) schedule(0); // left by an earlier page while ingest was down

  return {
    enqueue(item) {
      queue.push(item);
      bound();
      if (failures > 0) {
        persist(); // ingest is down: this event must survive a reload
        return;
      }
      schedule(queue.length >= options.batchSize ? 0 : options.flushInterval);
    },
    flush() {
      if (failures === 0) flush();
    },
    retryNow() {
      if (failures > 0 && inflight.length === 0) schedule(0);
    },
    pageHidden() {
      if (failures === 0) {
        const keep: Outgoing[] = [];
        while (queue.length > 0) {
          const url = (queue[0] as Outgoing).u;
          const chunk: Outgoing[] = [];
          const rest: Outgoing[] = [];
          for (const item of queue) (item.u === url && chunk.length < options.batchSize ? chunk : rest).push(item);
          queue = rest;
          let handed = false;
          try {
            handed = transport.beacon(url, JSON.stringify(chunk.map((item) => item.e)));
          } catch {
            handed = false;
          }
          if (handed) sent += chunk.length;
          else keep.push(...chunk);
        }
        queue = keep;
      }
      if (queue.length > 0 || mine.size > 0) persist();
    },
    clear() {
      queue = [];
      mine = new Set();
      store.removeItem(storageKeys.queue);
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      timerAt = Number.POSITIVE_INFINITY;
    },
    stats: () => ({ queued: queue.length + inflight.length, sent, dropped, failures }),
  };
}
