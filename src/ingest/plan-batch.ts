import type { OutgoingRecord } from '../bus/bus.ts';
import { dlqOf, topicForEvent } from '../bus/topics.ts';
import { enrichEvent, type RequestContext } from '../contract/enrich-event.ts';
import type { EventType } from '../contract/event-schema.ts';
import { validateEvent } from '../contract/validate-event.ts';

export interface Rejection {
  index: number;
  reason: string;
  /** unknown_site is refused without a DLQ record: it is not our traffic. */
  kind: 'invalid' | 'unknown_site';
}

export interface BatchPlan {
  records: OutgoingRecord[];
  accepted: number;
  rejections: Rejection[];
}

export interface PlanOptions {
  sites: ReadonlySet<string> | 'any';
  /** Types allowed on this endpoint; /api/coordinates takes only mouse_move. */
  allowedTypes: readonly EventType[];
  /** Applied when an event omits `type` (seed 000's coordinates carry none). */
  defaultType?: EventType | undefined;
  source: string;
}

/**
 * Turns a request's events into the records to produce: valid events enriched
 * and routed to their topic, keyed by user id so one visitor's events stay
 * ordered; invalid ones to the DLQ with the reason in headers.
 */
export function planBatch(events: readonly unknown[], context: RequestContext, options: PlanOptions): BatchPlan {
  const records: OutgoingRecord[] = [];
  const rejections: Rejection[] = [];
  let accepted = 0;
  events.forEach((raw, index) => {
    const input = withDefaultType(raw, options.defaultType);
    const outcome = validateEvent(input);
    if (!outcome.ok || !options.allowedTypes.includes(outcome.event.type)) {
      const reason = outcome.ok ? `event type "${outcome.event.type}" is not accepted on ${options.source}` : outcome.reason;
      rejections.push({ index, reason, kind: 'invalid' });
      records.push(deadLetter(input, reason, context, options));
      return;
    }
    const event = outcome.event;
    if (options.sites !== 'any' && !options.sites.has(event.site)) {
      rejections.push({ index, reason: `unknown site key "${event.site}"`, kind: 'unknown_site' });
      return;
    }
    const enriched = enrichEvent(event, context);
    records.push({
      topic: topicForEvent(event.type),
      key: event.user_id,
      value: JSON.stringify(enriched),
      headers: { 'event-type': event.type, 'event-id': enriched.event_id, site: event.site },
    });
    accepted += 1;
  });
  return { records, accepted, rejections };
}

function withDefaultType(raw: unknown, defaultType: EventType | undefined): unknown {
  if (defaultType === undefined || typeof raw !== 'object' || raw === null || Array.isArray(raw) || 'type' in raw) return raw;
  return { ...raw, type: defaultType };
}

function deadLetter(input: unknown, reason: string, context: RequestContext, options: PlanOptions): OutgoingRecord {
  const userId = typeof input === 'object' && input !== null ? (input as { user_id?: unknown }).user_id : undefined;
  const type = options.allowedTypes.length === 1 ? options.allowedTypes[0] : 'page_view';
  return {
    topic: dlqOf(topicForEvent(type ?? 'page_view')),
    key: typeof userId === 'string' ? userId : undefined,
    value: JSON.stringify(input) ?? 'null',
    headers: {
      'pulse-error': reason.slice(0, 1000),
      'pulse-source': options.source,
      'pulse-received-at': context.now.toISOString(),
    },
  };
}
