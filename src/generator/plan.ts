import type { WireEvent } from '../contract/event-schema.ts';
import { GENERATED_HOST, generatorPages } from './pages.ts';
import { deriveSeed, intBetween, random, weightedIndex } from './prng.ts';
import { isSiteKey } from '../contract/site-key.ts';

/**
 * The event plan: a pure, seeded function of (seed, options) that decides every record the
 * generator sends — kind, page, visitor, duration, which ones are invalid or repeats, and how each
 * is partitioned. Timing and sending are elsewhere, so the same seed gives the same events, ids and
 * mix in any mode, at any rate, to any target, and a test can predict what the workers must show.
 */

/** `quick_exit`: a view of under 5 s (the warehouse's quick exits; a bounce is a single-page session, which the plan does not aim at). */
export const eventKinds = ['view', 'quick_exit', 'invalid'] as const;
export type EventKind = (typeof eventKinds)[number];

/** Ways a record breaks the contract, to exercise validation, the DLQ and processing_errors. */
export const invalidKinds = ['missing_user_id', 'negative_duration', 'not_json', 'bad_url', 'unknown_type'] as const;
export type InvalidKind = (typeof invalidKinds)[number];

/** Kafka target only: by `page_id` key (murmur2), cycling over the partitions, or a random partition. */
export const partitionings = ['key', 'round-robin', 'random'] as const;
export type Partitioning = (typeof partitionings)[number];

export type PageViewEvent = Extract<WireEvent, { type: 'page_view' }>;

export interface PlannedEvent {
  /** Position in the plan, from 0. */
  seq: number;
  kind: EventKind;
  /** How an `invalid` record is broken; null for the valid ones. */
  invalid: InvalidKind | null;
  /** For a repeat: the seq of the event sent again (same key, same event_id, same partition); else null. */
  duplicateOf: number | null;
  pageId: string;
  /** Record key on Kafka: the page id, for every record (repeats included). */
  key: string;
  partitioning: Partitioning;
  /** round-robin: position in the cycle; random: a draw in [0, 1). See `partitionFor`. */
  slot: number;
  /** The valid page view this record is (or, for `invalid`, is broken from). `ts` is added when sent. */
  event: PageViewEvent;
}

export interface PlanOptions {
  /** Site key of every event (default `demo`). */
  site?: string | undefined;
  /** Prefix of event, visitor and session ids (default `g<seed>`); a new prefix gives fresh ids for the same plan shape. */
  idPrefix?: string | undefined;
  /** Distinct visitors (default 500). */
  users?: number | undefined;
}

const MIX = { view: 0.85, quick_exit: 0.1, invalid: 0.05 } as const;
const DUPLICATE_RATE = 0.01;
const PARTITIONING_SHARES = { key: 0.7, 'round-robin': 0.2, random: 0.1 } as const;
/** A repeat re-sends one of the last this-many valid events, as a producer retry or a double submit would. */
const REPEAT_WINDOW = 100;

const referrers = ['https://www.google.com/', 'https://news.ycombinator.com/', 'https://t.co/', 'https://duckduckgo.com/'];
const pageWeights = generatorPages.map((p) => p.weight);

export function defaultIdPrefix(seed: number): string {
  return `g${seed}`;
}

export interface Planner {
  next(): PlannedEvent;
  /** How many events were planned so far. */
  readonly planned: number;
}

/** An endless, seeded stream of planned events (the `--serve` generator draws from it as long as it runs). */
export function createPlanner(seed: number, options: PlanOptions = {}): Planner {
  assertSeed(seed);
  const site = options.site ?? 'demo';
  const prefix = options.idPrefix ?? defaultIdPrefix(seed);
  const users = options.users ?? 500;
  if (!/^[A-Za-z0-9_.-]{1,40}$/.test(prefix)) throw new RangeError(`id prefix must be 1–40 of A-Z a-z 0-9 _ . -, got "${prefix}"`);
  if (!isSiteKey(site)) throw new RangeError(`site must be a site key (1–64 of A-Z a-z 0-9 _ . -), got "${site}"`);
  if (!Number.isInteger(users) || users < 1 || users > 1_000_000)
    throw new RangeError(`users must be a whole number 1–1000000, got ${users}`);

  const rand = random(deriveSeed(seed, 'events'));
  const userDigits = String(users - 1).length;
  const recent: PlannedEvent[] = [];
  let seq = 0;
  let roundRobin = 0;

  const fresh = (): PlannedEvent => {
    const kindRoll = rand();
    const kind: EventKind = kindRoll < MIX.view ? 'view' : kindRoll < MIX.view + MIX.quick_exit ? 'quick_exit' : 'invalid';
    const page = generatorPages[weightedIndex(rand, pageWeights)] ?? generatorPages[0];
    if (page === undefined) throw new Error('the generator has no pages');
    const user = `${prefix}-u${String(intBetween(rand, 0, users - 1)).padStart(userDigits, '0')}`;
    const session = `${user}-s${intBetween(rand, 0, 2)}`;
    // Durations are whole seconds so sums (and averages) are exact in JavaScript and in SQL alike.
    const duration = kind === 'quick_exit' ? intBetween(rand, 0, 4) : intBetween(rand, 10, 600);
    const invalid: InvalidKind | null =
      kind === 'invalid' ? (invalidKinds[intBetween(rand, 0, invalidKinds.length - 1)] ?? 'not_json') : null;
    const sourceRoll = rand();
    const referrer = sourceRoll < 0.4 ? referrers[intBetween(rand, 0, referrers.length - 1)] : undefined;
    const query = sourceRoll >= 0.9 ? '?utm_source=newsletter&utm_medium=email&utm_campaign=spring' : '';
    const partitionRoll = rand();
    const partitioning: Partitioning =
      partitionRoll < PARTITIONING_SHARES.key
        ? 'key'
        : partitionRoll < PARTITIONING_SHARES.key + PARTITIONING_SHARES['round-robin']
          ? 'round-robin'
          : 'random';
    const slot = partitioning === 'round-robin' ? roundRobin++ : partitioning === 'random' ? rand() : 0;
    const event: PageViewEvent = {
      type: 'page_view',
      site,
      user_id: user,
      session_id: session,
      url: `https://${GENERATED_HOST}${page.path}${query}`,
      event_id: `${prefix}-${String(seq).padStart(8, '0')}`,
      title: page.title,
      ...(referrer === undefined ? {} : { referrer }),
      language: 'en-US',
      duration,
      props: { page_id: page.id, seq },
    };
    return { seq, kind, invalid, duplicateOf: null, pageId: page.id, key: page.id, partitioning, slot, event };
  };

  return {
    get planned() {
      return seq;
    },
    next() {
      let entry: PlannedEvent;
      if (recent.length > 0 && rand() < DUPLICATE_RATE) {
        const original = recent[Math.floor(rand() * recent.length)] as PlannedEvent;
        entry = { ...original, seq, duplicateOf: original.seq };
      } else {
        entry = fresh();
        if (entry.invalid === null) {
          recent.push(entry);
          if (recent.length > REPEAT_WINDOW) recent.shift();
        }
      }
      seq += 1;
      return entry;
    },
  };
}

/** The first `count` events of the plan for `seed`: exactly what a run with `--seed seed --count count` sends. */
export function planEvents(seed: number, count: number, options: PlanOptions = {}): PlannedEvent[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a whole number, got ${count}`);
  const planner = createPlanner(seed, options);
  return Array.from({ length: count }, () => planner.next());
}

/**
 * The partition an event goes to on a topic with `partitions` partitions, or undefined when the key
 * decides (the bus applies murmur2, as Kafka's default partitioner: `partitionForKey(key, partitions)`).
 */
export function partitionFor(entry: Pick<PlannedEvent, 'partitioning' | 'slot'>, partitions: number): number | undefined {
  if (entry.partitioning === 'key') return undefined;
  if (entry.partitioning === 'round-robin') return entry.slot % partitions;
  return Math.min(partitions - 1, Math.floor(entry.slot * partitions));
}

/**
 * What the record carries: the event as JSON, broken in its planned way for `invalid` ones. Works on
 * the wire event (HTTP target) and on the enriched one (Kafka target) alike. `not_json` gives text.
 */
export function applyDefect(event: Record<string, unknown>, invalid: InvalidKind | null): Record<string, unknown> | string {
  switch (invalid) {
    case null:
      return event;
    case 'missing_user_id': {
      const rest = { ...event };
      delete rest['user_id'];
      return rest;
    }
    case 'negative_duration':
      return { ...event, duration: -Math.max(1, Number(event['duration']) || 1) };
    case 'bad_url':
      return { ...event, url: 'not a url' };
    case 'unknown_type':
      return { ...event, type: 'page_vue' };
    case 'not_json':
      // A record cut short, as a crashed producer or a proxy truncating a body would leave it.
      return JSON.stringify(event).slice(0, 48);
  }
}

function assertSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new RangeError(`seed must be a whole number 0–4294967295, got ${seed}`);
}
