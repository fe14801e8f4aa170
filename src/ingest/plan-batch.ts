import type { OutgoingRecord } from '../bus/bus.ts';
import { dlqOf, topicForEvent, type TopicNames } from '../bus/topics.ts';
import type { SiteSet } from '../config/config.ts';
import { createEventSerializer, type RequestContext } from '../contract/enrich-event.ts';
import type { EventType, WireEvent } from '../contract/event-schema.ts';
import { dlq, drop, ok, pipeline, type Outcome, type Pipeline } from '../contract/outcome.ts';
import { validateEvent } from '../contract/validate-event.ts';
import type { Shield } from './shields.ts';

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
  /** Events a site's shields dropped, by reason (`shield_ip`, `shield_path`): neither stored nor an error. */
  shielded: Partial<Record<'shield_ip' | 'shield_path', number>>;
}

export interface PlanOptions {
  sites: SiteSet;
  topics: TopicNames;
  /** Types allowed on this endpoint; /api/coordinates takes only mouse_move. */
  allowedTypes: readonly EventType[];
  /** Applied when an event omits `type` (seed 000's coordinates carry none). */
  defaultType?: EventType | undefined;
  source: string;
  /** A site's shields (excluded addresses and paths): its events they match are dropped, never stored. */
  shieldOf?: ((site: string) => Shield | undefined) | undefined;
}

/** The drop reason of an event for a site Pulse does not collect for. */
export const UNKNOWN_SITE = 'unknown_site';

/** Events without `type` on a single-type endpoint take that type. */
export const withDefaultType = (defaultType: EventType | undefined) =>
  function withDefaultType(raw: unknown): Outcome<unknown> {
    if (defaultType === undefined || typeof raw !== 'object' || raw === null || Array.isArray(raw) || 'type' in raw) return ok(raw);
    return ok({ ...raw, type: defaultType });
  };

export function checkWireEvent(input: unknown): Outcome<WireEvent> {
  return validateEvent(input);
}

export const checkAllowedType = (allowed: readonly EventType[], source: string) =>
  function checkAllowedType(event: WireEvent): Outcome<WireEvent> {
    return allowed.includes(event.type) ? ok(event) : dlq(`event type "${event.type}" is not accepted on ${source}`);
  };

export const checkSiteKey = (sites: SiteSet) =>
  function checkSiteKey(event: WireEvent): Outcome<WireEvent> {
    return sites === 'any' || sites.has(event.site) ? ok(event) : drop(UNKNOWN_SITE);
  };

/** The steps an event goes through before it is enriched and produced. */
export function ingestSteps(options: PlanOptions): Pipeline<unknown, WireEvent> {
  return pipeline(
    withDefaultType(options.defaultType),
    checkWireEvent,
    checkAllowedType(options.allowedTypes, options.source),
    checkSiteKey(options.sites),
  );
}

/**
 * Turns a request's events into the records to produce: valid events enriched
 * and routed to their topic, keyed by user id so one visitor's events stay
 * ordered; invalid ones to the DLQ with the reason in headers.
 */
export function planBatch(events: readonly unknown[], context: RequestContext, options: PlanOptions): BatchPlan {
  const steps = ingestSteps(options);
  const serialize = createEventSerializer(context); // the request's IP, User-Agent and time: once for all its events
  const records: OutgoingRecord[] = [];
  const rejections: Rejection[] = [];
  let accepted = 0;
  const shielded: BatchPlan['shielded'] = {};
  events.forEach((raw, index) => {
    const outcome = steps(raw);
    if (outcome.kind === 'drop') {
      const site = (raw as { site?: unknown }).site;
      rejections.push({ index, reason: `unknown site key "${String(site)}"`, kind: 'unknown_site' });
      return;
    }
    if (outcome.kind === 'dlq') {
      rejections.push({ index, reason: outcome.reason, kind: 'invalid' });
      records.push(deadLetter(withDefaultType(options.defaultType)(raw), outcome.reason, context, options));
      return;
    }
    const event = outcome.value;
    const shield = options.shieldOf?.(event.site)?.reasonFor(context.ip, event.url);
    if (shield !== undefined) {
      shielded[shield] = (shielded[shield] ?? 0) + 1;
      return;
    }
    const enriched = serialize(event);
    records.push({
      topic: topicForEvent(event.type, options.topics),
      key: event.user_id,
      // Bytes once, here: the bus measures (produce-coalescer) and sends them without encoding the text again.
      value: Buffer.from(enriched.json),
      headers: { 'event-type': event.type, 'event-id': enriched.eventId, site: event.site },
    });
    accepted += 1;
  });
  return { records, accepted, rejections, shielded };
}

function deadLetter(input: Outcome<unknown>, reason: string, context: RequestContext, options: PlanOptions): OutgoingRecord {
  const value = input.kind === 'ok' ? input.value : undefined;
  const userId = typeof value === 'object' && value !== null ? (value as { user_id?: unknown }).user_id : undefined;
  const type = options.allowedTypes.length === 1 ? options.allowedTypes[0] : 'page_view';
  return {
    topic: dlqOf(topicForEvent(type ?? 'page_view', options.topics)),
    key: typeof userId === 'string' ? userId : undefined,
    value: JSON.stringify(value) ?? 'null',
    headers: {
      'pulse-error': reason.slice(0, 1000),
      'pulse-source': options.source,
      'pulse-received-at': context.now.toISOString(),
    },
  };
}
