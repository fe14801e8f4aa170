import type { Bus, OutgoingRecord } from '../bus/bus.ts';
import { enrichEvent, type RequestContext } from '../contract/enrich-event.ts';
import { applyDefect, partitionFor, type PlannedEvent } from './plan.ts';

/**
 * Where generated events go. Two adapters: Kafka directly (EnrichedEvent records, as ingest writes
 * them, on the `page-views` topic) and the ingest HTTP API (WireEvents; ingest enriches, validates
 * and routes). A delivery either resolves — every record acknowledged — or throws an error that
 * says whether trying again can help.
 */
export interface DeliveryReport {
  /** Partition each record was written to, in order (Kafka); empty for HTTP. */
  partitions: number[];
  /** Records the target refused by contract and dead-lettered (ingest's `rejected`); 0 for Kafka. */
  rejected: number;
}

export interface Target {
  readonly kind: 'kafka' | 'http';
  /** For status and logs: the topic, or the ingest URL. */
  readonly description: string;
  deliver(entries: readonly PlannedEvent[]): Promise<DeliveryReport>;
  close(): Promise<void>;
}

class TargetError extends Error {
  readonly retriable: boolean;
  readonly status: number | undefined;
  constructor(message: string, options: { retriable: boolean; status?: number | undefined; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'TargetError';
    this.retriable = options.retriable;
    this.status = options.status;
  }
}

/** Browsers the Kafka target pretends its visitors use (each visitor keeps one). */
const userAgents = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
];

/** The User-Agent of the HTTP target's requests: a desktop browser, so ingest does not tag the load as bots. */
export const HTTP_TARGET_USER_AGENT = userAgents[0] as string;

function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** What ingest would have known about the request: a stable address in the benchmarking range 198.18.0.0/15 and a browser per visitor. */
export function syntheticContext(userId: string, now: Date): RequestContext {
  const h = hashOf(userId);
  return {
    ip: `198.${18 + (h & 1)}.${(h >>> 8) & 0xff}.${1 + ((h >>> 16) % 254)}`,
    userAgent: userAgents[h % userAgents.length] as string,
    now,
    anonymizeIp: false,
  };
}

export interface KafkaRecordOptions {
  topic: string;
  partitions: number;
  now: Date;
  /** Marks the run's records (header `generator-run`), the id prefix by default. */
  run: string;
}

/**
 * The record for one planned event: the event enriched as ingest would (so workers accept the valid
 * ones), broken in its planned way when invalid, keyed by page id, on its planned partition.
 */
export function kafkaRecord(entry: PlannedEvent, options: KafkaRecordOptions): OutgoingRecord {
  const event = { ...entry.event, ts: options.now.toISOString() };
  const enriched = enrichEvent(event, syntheticContext(entry.event.user_id, options.now));
  const value = applyDefect(enriched, entry.invalid);
  return {
    topic: options.topic,
    key: entry.key,
    partition: partitionFor(entry, options.partitions),
    value: typeof value === 'string' ? value : JSON.stringify(value),
    headers: {
      'event-type': event.type,
      'event-id': event.event_id ?? '',
      site: event.site,
      'generator-run': options.run,
      'generator-seq': String(entry.seq),
      'generator-partitioning': entry.partitioning,
    },
  };
}

export interface KafkaTargetOptions {
  bus: Bus;
  topic: string;
  /** Partition count of the topic (round-robin and random choose among them). */
  partitions: number;
  run: string;
  now?: () => number;
}

export function createKafkaTarget(options: KafkaTargetOptions): Target {
  const now = options.now ?? Date.now;
  return {
    kind: 'kafka',
    description: `kafka:${options.topic}`,
    async deliver(entries) {
      const at = new Date(now());
      const produced = await options.bus.produce(
        entries.map((entry) => kafkaRecord(entry, { topic: options.topic, partitions: options.partitions, now: at, run: options.run })),
      );
      return { partitions: produced.map((p) => p.partition), rejected: 0 };
    },
    close: () => options.bus.close(),
  };
}

/** The body element for one planned event: the wire event with its client time, broken when invalid. */
export function wireEvent(entry: PlannedEvent, now: Date): Record<string, unknown> | string {
  return applyDefect({ ...entry.event, ts: now.toISOString() }, entry.invalid);
}

export interface HttpTargetOptions {
  /** Ingest base URL (`http://host:port`); `/api/events` is added unless the URL already names a path. */
  url: string;
  timeoutMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

export function eventsEndpoint(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new RangeError(`target URL must be http(s), got ${url}`);
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/api/events';
  return parsed.toString();
}

/**
 * POSTs JSON arrays to ingest. 202 and 400 (every event of the batch refused by contract, and
 * dead-lettered) are deliveries; 408, 429, 5xx and network errors are worth retrying; other
 * answers (403 unknown site, 413 batch too large) are final.
 */
export function createHttpTarget(options: HttpTargetOptions): Target {
  const endpoint = eventsEndpoint(options.url);
  const now = options.now ?? Date.now;
  const post = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    kind: 'http',
    description: endpoint,
    async deliver(entries) {
      const at = new Date(now());
      let response: Response;
      let text: string;
      try {
        response = await post(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': HTTP_TARGET_USER_AGENT },
          body: JSON.stringify(entries.map((entry) => wireEvent(entry, at))),
          signal: AbortSignal.timeout(timeoutMs),
        });
        text = await response.text();
      } catch (error) {
        throw new TargetError(`ingest at ${endpoint} unreachable: ${error instanceof Error ? error.message : String(error)}`, {
          retriable: true,
          cause: error,
        });
      }
      const body = parseJson(text);
      if (response.status === 202) return { partitions: [], rejected: Number(body?.['rejected'] ?? 0) };
      if (response.status === 400 && body?.['error'] === 'invalid_event') return { partitions: [], rejected: entries.length };
      const retriable = response.status === 408 || response.status === 429 || response.status >= 500;
      const reason = typeof body?.['message'] === 'string' ? body['message'] : text.slice(0, 200);
      throw new TargetError(`ingest answered ${response.status}: ${reason}`, { retriable, status: response.status });
    },
    close: async () => {},
  };
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
