import { isBotTraffic } from '../../src/contract/bot-traffic.ts';
import type { EnrichedEvent } from '../../src/contract/event-schema.ts';
import type { FunnelQuery, FunnelResult, FunnelStep } from '../../src/stores/warehouse/product-analytics.ts';

/**
 * The funnel definitions of src/stores/warehouse/product-analytics.ts, written as plain loops over
 * the events a test wrote — the answer the adapters' SQL must give, computed without any SQL.
 */

const byteOrder = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return Buffer.compare(x, y);
};

/** `*` matches any run of characters; everything else itself. */
function pathMatches(pattern: string, path: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === path;
  const head = parts[0] as string;
  const tail = parts[parts.length - 1] as string;
  if (!path.startsWith(head) || path.length < head.length + tail.length || !path.endsWith(tail)) return false;
  let at = head.length;
  const end = path.length - tail.length;
  for (const middle of parts.slice(1, -1)) {
    const found = path.indexOf(middle, at);
    if (found < 0 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}

/** U+0000 reads as U+FFFD, in props and in the filter alike: PostgreSQL text cannot hold it. */
const asStored = (text: string) => text.replaceAll('\u0000', '\uFFFD');

/** Top-level keys only: a nested object's keys are not the event's properties. */
function propertyMatches(event: EnrichedEvent, key: string, value: string): boolean {
  const props = (event as { props?: Record<string, unknown> }).props;
  if (props === undefined || !Object.hasOwn(props, key)) return false;
  const actual = props[key];
  if (typeof actual === 'string') return asStored(actual) === asStored(value);
  if (typeof actual === 'number' || typeof actual === 'boolean') return JSON.stringify(actual) === value;
  return false;
}

export function stepMatches(step: FunnelStep, event: EnrichedEvent): boolean {
  const kind =
    step.kind === 'page'
      ? event.type === 'page_view' && pathMatches(step.path, event.path)
      : event.type === 'custom' && (event as { name?: string }).name === step.name;
  return kind && (step.property === undefined || propertyMatches(event, step.property.key, step.property.value));
}

interface Item {
  ms: number;
  id: string;
  /** matches[k]: does it match step k (0-based)? */
  matches: boolean[];
  first: number;
}

/** One attempt: how many steps it reached and when steps 1..k were done (ms). */
interface Attempt {
  start: number;
  level: number;
  done: number[];
}

function sequentialOrStrict(items: Item[], start: number, n: number, windowMs: number, strict: boolean): Attempt {
  const t0 = (items[start] as Item).ms;
  const done = [t0];
  let at = start;
  for (let k = 1; k < n; k += 1) {
    let next = -1;
    for (let j = at + 1; j < items.length; j += 1) {
      const item = items[j] as Item;
      if (item.matches[k]) {
        next = j;
        break;
      }
      // strict: only more events of the previous step may come in between.
      if (strict && !item.matches[k - 1]) break;
    }
    if (next < 0 || (items[next] as Item).ms - t0 > windowMs) break;
    done.push((items[next] as Item).ms);
    at = next;
  }
  return { start, level: done.length, done };
}

function anyOrder(items: Item[], start: number, n: number, windowMs: number): Attempt {
  const t0 = (items[start] as Item).ms;
  const done: number[] = [];
  let latest = 0;
  for (let k = 0; k < n; k += 1) {
    const found = items.slice(start).find((item) => item.matches[k] && item.ms - t0 <= windowMs);
    if (found === undefined) break;
    latest = Math.max(latest, found.ms);
    done.push(latest);
  }
  return { start, level: done.length, done };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The funnel over `events` (every event written, of any site), with `countsBots` telling whether the query's site counts bots. */
export function referenceFunnel(events: readonly EnrichedEvent[], query: FunnelQuery, countsBots = false): FunnelResult {
  const n = query.steps.length;
  const from = Math.ceil(query.range.from);
  const to = Math.ceil(query.range.to);
  const windowMs = query.windowMs;
  const byEntity = new Map<string, Item[]>();
  for (const event of events) {
    const ms = Date.parse(event.received_at);
    if (event.site !== query.range.site || ms < from || ms >= to) continue;
    if (!countsBots && isBotTraffic(event)) continue;
    const matches = query.steps.map((step) => stepMatches(step, event));
    const first = matches.indexOf(true);
    const entity = query.countBy === 'sessions' ? event.session_id : event.user_id;
    const list = byEntity.get(entity) ?? [];
    list.push({ ms, id: event.event_id, matches, first: first < 0 ? n : first });
    byEntity.set(entity, list);
  }
  const reached = Array.from({ length: n }, () => 0);
  const gaps: number[][] = Array.from({ length: n }, () => []);
  for (const items of byEntity.values()) {
    items.sort((a, b) => a.ms - b.ms || a.first - b.first || byteOrder(a.id, b.id));
    let best: Attempt | undefined;
    items.forEach((item, i) => {
      const starts = query.order === 'any' ? item.first < n : item.matches[0] === true;
      if (!starts) return;
      const attempt =
        query.order === 'any' ? anyOrder(items, i, n, windowMs) : sequentialOrStrict(items, i, n, windowMs, query.order === 'strict');
      if (best === undefined || attempt.level > best.level) best = attempt;
    });
    const chosen = best as Attempt | undefined;
    if (chosen === undefined || chosen.level === 0) continue;
    for (let k = 0; k < chosen.level; k += 1) {
      reached[k] = (reached[k] as number) + 1;
      if (k > 0) (gaps[k] as number[]).push((chosen.done[k] as number) - (chosen.done[k - 1] as number));
    }
  }
  const first = reached[0] as number;
  return {
    steps: reached.map((entered, k) => {
      const next = k === n - 1 ? entered : (reached[k + 1] as number);
      const previous = k === 0 ? entered : (reached[k - 1] as number);
      const mid = median(gaps[k] as number[]);
      return {
        entered,
        converted: next,
        dropped: entered - next,
        conversionFromPrevious: k === 0 ? 1 : previous === 0 ? 0 : entered / previous,
        conversionFromFirst: k === 0 ? 1 : first === 0 ? 0 : entered / first,
        medianSecondsFromPrevious: k === 0 || mid === null ? null : mid / 1000,
      };
    }),
  };
}
