import type { BusRecord, ClusterAdmin, PartitionInfo } from '../bus/bus.ts';
import { PulseError, badRequest, errorCodes } from '../shared/errors.ts';

/**
 * The Kafka page's message browser. It seeks instead of scanning: each partition is read from a
 * position (its end for newest-first, an offset, or the offset of a timestamp), a chunk at a time,
 * and the partitions are merged by timestamp. The page's cursor holds every partition's position
 * after the last record this request looked at, so the next page continues exactly there: no record
 * is shown twice and none is skipped, whatever the filters let through.
 */

/** A record as the page shows it. */
export interface MessageView {
  partition: number;
  offset: number;
  /** ISO 8601. */
  timestamp: string;
  key: string | null;
  headers: Record<string, string>;
  /** Parsed JSON when the value is JSON, else its text; null for a tombstone. */
  value: unknown;
  /** Bytes of key, value and headers. */
  size: number;
}

export type MessageOrder = 'newest' | 'oldest';

/** Substring filters, case-insensitive, evaluated on the server. */
export interface MessageFilter {
  key?: string | undefined;
  /** `name` (the header is present) or `name=value` (its value contains `value`). */
  header?: { name: string; value: string | undefined } | undefined;
  value?: string | undefined;
}

export interface BrowseRequest {
  topic: string;
  /** One partition; all of them when absent. */
  partition?: number | undefined;
  order: MessageOrder;
  /** Start at this offset (with `partition`): newest-first shows it and older ones, oldest-first it and newer ones. */
  offset?: number | undefined;
  /** Start at this time (epoch ms): newest-first shows records up to it, oldest-first from it on. */
  timestamp?: number | undefined;
  filter: MessageFilter;
  limit: number;
  /** A previous page's `nextCursor`; it carries order and partitions, so offset/timestamp/partition/order are then ignored. */
  cursor?: string | undefined;
}

export interface BrowsePage {
  messages: MessageView[];
  /** Continue with this; null once every partition is read to its end (oldest) or start (newest). */
  nextCursor: string | null;
  /** Records looked at for this page (filtered out ones included). */
  scanned: number;
}

export interface BrowseBudget {
  /** Records looked at per request, so a rare match cannot make one request read a whole topic. */
  records: number;
  /** Bytes looked at per request. */
  scannedBytes: number;
  /** Bytes of the messages returned. */
  responseBytes: number;
  /** Time spent reading, after which the page answers with what it found. */
  ms: number;
}

export const defaultBudget: BrowseBudget = { records: 20_000, scannedBytes: 64 * 2 ** 20, responseBytes: 16 * 2 ** 20, ms: 3_000 };

/** Most records read from one partition in one go when filtering. */
const MAX_CHUNK = 5_000;
const FIRST_FILTERED_CHUNK = 500;

export function recordSize(record: BusRecord): number {
  let size = record.value.length + (record.key === null ? 0 : Buffer.byteLength(record.key));
  for (const [name, value] of Object.entries(record.headers)) size += Buffer.byteLength(name) + Buffer.byteLength(value);
  return size;
}

export function messageView(record: BusRecord): MessageView {
  let value: unknown = null;
  if (record.tombstone !== true) {
    const text = record.value.toString('utf8');
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
  }
  return {
    partition: record.partition,
    offset: record.offset,
    timestamp: new Date(record.timestamp).toISOString(),
    key: record.key,
    headers: record.headers,
    value,
    size: recordSize(record),
  };
}

/** `name` or `name=value` from the query string. */
export function parseHeaderFilter(text: string | undefined): MessageFilter['header'] {
  if (text === undefined || text === '') return undefined;
  const at = text.indexOf('=');
  return at < 0 ? { name: text, value: undefined } : { name: text.slice(0, at), value: text.slice(at + 1) };
}

/** A predicate for the filter; null when nothing is filtered. */
export function compileFilter(filter: MessageFilter): ((record: BusRecord) => boolean) | null {
  const key = filter.key === undefined || filter.key === '' ? undefined : filter.key.toLowerCase();
  const value = filter.value === undefined || filter.value === '' ? undefined : filter.value.toLowerCase();
  const headerName = filter.header?.name.toLowerCase();
  const headerValue = filter.header?.value?.toLowerCase();
  if (key === undefined && value === undefined && headerName === undefined) return null;
  return (record) => {
    if (key !== undefined && (record.key === null || !record.key.toLowerCase().includes(key))) return false;
    if (headerName !== undefined) {
      const found = Object.entries(record.headers).some(
        ([name, text]) => name.toLowerCase() === headerName && (headerValue === undefined || text.toLowerCase().includes(headerValue)),
      );
      if (!found) return false;
    }
    if (value !== undefined && (record.tombstone === true || !record.value.toString('utf8').toLowerCase().includes(value))) return false;
    return true;
  };
}

interface CursorState {
  topic: string;
  order: MessageOrder;
  /** [partition, position]: newest-first the offset below which reading continues, oldest-first the next offset to read. */
  positions: Array<[number, number]>;
}

const CURSOR_PREFIX = 'c1.';

export function encodeCursor(state: CursorState): string {
  return CURSOR_PREFIX + Buffer.from(JSON.stringify({ t: state.topic, o: state.order, p: state.positions })).toString('base64url');
}

export function decodeCursor(cursor: string, topic: string): CursorState {
  const invalid = () => badRequest('bad_cursor', 'cursor is not one this topic gave out; start again without it');
  if (!cursor.startsWith(CURSOR_PREFIX)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor.slice(CURSOR_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const { t, o, p } = (parsed ?? {}) as { t?: unknown; o?: unknown; p?: unknown };
  const isPosition = (entry: unknown): entry is [number, number] =>
    Array.isArray(entry) && entry.length === 2 && entry.every((n) => Number.isSafeInteger(n) && (n as number) >= 0);
  if (t !== topic || (o !== 'newest' && o !== 'oldest') || !Array.isArray(p) || p.length === 0 || !p.every(isPosition)) throw invalid();
  return { topic, order: o, positions: p };
}

/** One partition being read: its position, what was read ahead of it, and its bounds for this request. */
interface Lane {
  partition: number;
  /** Newest: records below this offset are still to be looked at. Oldest: the next offset to look at. */
  position: number;
  low: number;
  high: number;
  /** Read but not yet looked at, in the order they are looked at. */
  ahead: BusRecord[];
  next: number;
  exhausted: boolean;
  chunk: number;
}

const pending = (lane: Lane): boolean => lane.next < lane.ahead.length;

export async function browseMessages(
  admin: ClusterAdmin,
  request: BrowseRequest,
  budget: BrowseBudget = defaultBudget,
): Promise<BrowsePage> {
  const started = Date.now();
  const [info] = await admin.partitionOffsets([request.topic]);
  if (info === undefined) throw new PulseError(errorCodes.NOT_FOUND, `no topic "${request.topic}"`, { detail: 'unknown_topic' });
  const ranges = new Map(info.partitions.map((p) => [p.partition, p]));
  const { order, lanes } =
    request.cursor === undefined
      ? await startingLanes(admin, request, ranges)
      : resumedLanes(decodeCursor(request.cursor, request.topic), ranges);
  const newest = order === 'newest';
  const matches = compileFilter(request.filter);

  /** Reads the next chunk of a lane (newest: the records just below its position). */
  const fill = async (lane: Lane, want: number): Promise<void> => {
    lane.ahead = [];
    lane.next = 0;
    while (!lane.exhausted && lane.ahead.length === 0) {
      if (newest) {
        if (lane.position <= lane.low) {
          lane.exhausted = true;
          return;
        }
        const from = Math.max(lane.low, lane.position - want);
        const records = await readRange(admin, request.topic, lane.partition, from, lane.position);
        if (records.length === 0) lane.position = from; // nothing left in that range (compacted away)
        lane.ahead = records.reverse();
      } else {
        if (lane.position >= lane.high) {
          lane.exhausted = true;
          return;
        }
        const records = (await admin.read(request.topic, lane.partition, lane.position, Math.min(want, lane.high - lane.position))).filter(
          (r) => r.offset >= lane.position && r.offset < lane.high,
        );
        if (records.length === 0) lane.position = lane.high;
        lane.ahead = records;
      }
    }
  };

  const messages: MessageView[] = [];
  let scanned = 0;
  let scannedBytes = 0;
  let responseBytes = 0;
  const withinBudget = (): boolean =>
    messages.length < request.limit &&
    scanned < budget.records &&
    scannedBytes < budget.scannedBytes &&
    responseBytes < budget.responseBytes &&
    Date.now() - started < budget.ms;

  while (withinBudget()) {
    const active = lanes.filter((lane) => !lane.exhausted);
    const empty = active.filter((lane) => !pending(lane));
    if (empty.length > 0) {
      const room = budget.records - scanned;
      await Promise.all(
        empty.map((lane) => {
          // Unfiltered, a page needs at most what is still missing from each partition.
          if (matches === null) return fill(lane, Math.max(1, request.limit - messages.length));
          const want = Math.max(1, Math.min(lane.chunk, Math.max(100, Math.ceil(room / active.length))));
          lane.chunk = Math.min(MAX_CHUNK, lane.chunk * 2);
          return fill(lane, want);
        }),
      );
    }
    // The head of every partition is known now: take the newest (or oldest) of them.
    let best: Lane | undefined;
    let bestRecord: BusRecord | undefined;
    for (const lane of lanes) {
      const head = lane.ahead[lane.next];
      if (lane.exhausted || head === undefined) continue;
      const better = bestRecord === undefined || (newest ? head.timestamp > bestRecord.timestamp : head.timestamp < bestRecord.timestamp);
      if (better) {
        best = lane;
        bestRecord = head;
      }
    }
    if (best === undefined || bestRecord === undefined) break;
    best.next += 1;
    best.position = newest ? bestRecord.offset : bestRecord.offset + 1;
    scanned += 1;
    scannedBytes += bestRecord.value.length;
    if (matches === null || matches(bestRecord)) {
      const view = messageView(bestRecord);
      messages.push(view);
      responseBytes += view.size;
    }
  }

  const more = lanes.some((lane) => pending(lane) || (newest ? lane.position > lane.low : lane.position < lane.high));
  return {
    messages,
    nextCursor: more
      ? encodeCursor({ topic: request.topic, order, positions: lanes.map((lane) => [lane.partition, lane.position]) })
      : null,
    scanned,
  };
}

function lane(partition: number, position: number, range: PartitionInfo, chunk: number): Lane {
  return {
    partition,
    position: Math.min(Math.max(position, range.startOffset), range.endOffset),
    low: range.startOffset,
    high: range.endOffset,
    ahead: [],
    next: 0,
    exhausted: false,
    chunk,
  };
}

async function startingLanes(
  admin: ClusterAdmin,
  request: BrowseRequest,
  ranges: Map<number, PartitionInfo>,
): Promise<{ order: MessageOrder; lanes: Lane[] }> {
  const newest = request.order === 'newest';
  if (request.partition !== undefined && !ranges.has(request.partition)) {
    throw badRequest('unknown_partition', `topic "${request.topic}" has no partition ${request.partition}`);
  }
  if (request.offset !== undefined && request.partition === undefined) {
    throw badRequest('offset_needs_partition', 'an offset names a position in one partition: give `partition` with it');
  }
  const partitions = request.partition === undefined ? [...ranges.keys()].sort((a, b) => a - b) : [request.partition];
  let seek = new Map<number, number>();
  if (request.offset !== undefined) seek.set(request.partition ?? 0, newest ? request.offset + 1 : request.offset);
  else if (request.timestamp !== undefined) {
    // Newest-first from a time: everything up to and including it, i.e. below the first record after it.
    const at = await admin.offsetsForTimestamp(request.topic, newest ? request.timestamp + 1 : request.timestamp);
    seek = new Map(at.map((p) => [p.partition, p.offset]));
  }
  const lanes = partitions.map((partition) => {
    const range = ranges.get(partition) ?? { partition, startOffset: 0, endOffset: 0 };
    const initial = seek.get(partition) ?? (newest ? range.endOffset : range.startOffset);
    return lane(partition, initial, range, FIRST_FILTERED_CHUNK);
  });
  return { order: request.order, lanes };
}

function resumedLanes(state: CursorState, ranges: Map<number, PartitionInfo>): { order: MessageOrder; lanes: Lane[] } {
  const lanes = state.positions.map(([partition, position]) => {
    const range = ranges.get(partition);
    if (range === undefined) throw badRequest('bad_cursor', `the cursor names partition ${partition}, which this topic does not have`);
    // Retention may have deleted records below the position since: reading goes on from the oldest kept.
    return lane(partition, position, range, FIRST_FILTERED_CHUNK);
  });
  return { order: state.order, lanes };
}

/** All records with offsets in [from, to), oldest first, in as many reads as the bus needs. */
export async function readRange(admin: ClusterAdmin, topic: string, partition: number, from: number, to: number): Promise<BusRecord[]> {
  const out: BusRecord[] = [];
  let at = from;
  while (at < to) {
    const records = await admin.read(topic, partition, at, to - at);
    for (const record of records) if (record.offset >= at && record.offset < to) out.push(record);
    const last = records.at(-1);
    if (last === undefined || last.offset + 1 >= to) break;
    at = last.offset + 1;
  }
  return out;
}
