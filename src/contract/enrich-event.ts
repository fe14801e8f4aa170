import { randomUUID } from 'node:crypto';
import { AUTOMATED_BROWSER } from './bot-traffic.ts';
import { CONTRACT_VERSION, type EnrichedEvent, type WireEvent } from './event-schema.ts';
import { anonymizeIp } from './ip.ts';
import { recentCache } from './recent-cache.ts';
import { parseUserAgent } from './user-agent.ts';

export interface RequestContext {
  ip: string | null;
  userAgent: string;
  /** Server receive time. */
  now: Date;
  anonymizeIp: boolean;
}

const utmKeys = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;
type Utm = Record<(typeof utmKeys)[number], string | null>;

/** What enrichment reads from an event's page URL (already checked to parse: validate-event.ts). */
interface PageParts {
  host: string;
  path: string;
  utm: Utm;
  /** `,"host":…,"path":…` and `,"utm_source":…,…,"utm_content":…` as JSON.stringify writes them. */
  hostJson: string;
  utmJson: string;
}

interface ReferrerParts {
  host: string | null;
  /** `,"referrer_host":…` */
  json: string;
}

/** `,"name":value,…` of the given fields, in their order, exactly as JSON.stringify writes them inside an object. */
const jsonFields = (fields: Record<string, unknown>): string =>
  Object.entries(fields)
    .map(([name, value]) => `,${JSON.stringify(name)}:${JSON.stringify(value)}`)
    .join('');

const noUtm: Utm = Object.freeze({ utm_source: null, utm_medium: null, utm_campaign: null, utm_term: null, utm_content: null });

function readPage(href: string): PageParts {
  const url = new URL(href);
  const utm =
    url.search === '' ? noUtm : (Object.freeze(Object.fromEntries(utmKeys.map((key) => [key, url.searchParams.get(key)]))) as Utm);
  return Object.freeze({
    host: url.host,
    path: url.pathname,
    utm,
    hostJson: jsonFields({ host: url.host, path: url.pathname }),
    utmJson: jsonFields(utm),
  });
}

function readReferrer(referrer: string): ReferrerParts {
  let host: string | null;
  try {
    host = new URL(referrer).host || null;
  } catch {
    host = null;
  }
  return Object.freeze({ host, json: jsonFields({ referrer_host: host }) });
}

const noReferrer = readReferrer('');

// Pages and referrers repeat (a site has far fewer pages than views), and parsing a URL is a large
// part of enrichment; the answers are pure functions of the string, so they are remembered.
const pages = recentCache(2000, readPage);
const referrers = recentCache(2000, readReferrer);

const referrerOf = (event: WireEvent): ReferrerParts =>
  event.referrer === undefined || event.referrer === '' ? noReferrer : referrers.get(event.referrer);

/** What every event of one request shares: computed once per request, not once per event. */
interface RequestFacts {
  receivedAt: string;
  ip: string | null;
  userAgent: string;
  ua: ReturnType<typeof parseUserAgent>;
}

const requestFacts = (context: RequestContext): RequestFacts => ({
  receivedAt: context.now.toISOString(),
  ip: context.ip === null ? null : context.anonymizeIp ? anonymizeIp(context.ip) : context.ip,
  userAgent: context.userAgent,
  ua: parseUserAgent(context.userAgent),
});

/**
 * Adds what the server knows about each event of one request; pure apart from generating a missing
 * event_id. Bot traffic (is_bot, bot_name) is decided here: a bot User-Agent, none at all, or the
 * tracker's `automated` report (see bot-traffic.ts).
 */
export function createEnricher(context: RequestContext): (event: WireEvent) => EnrichedEvent {
  const facts = requestFacts(context);
  return (event) => enrichWith(event, facts);
}

/** An enriched event as the text a record carries, and its event_id (a record header). */
export interface SerializedEvent {
  eventId: string;
  json: string;
}

/**
 * `JSON.stringify(enrichEvent(event, context))`, byte for byte, for each validated event of one
 * request, without building the enriched object: the event's own JSON, then the enrichment fields
 * in their order from pieces already in JSON — the request's (received_at … bot_name) once per
 * request, the page's and the referrer's once per distinct URL. This is ingest's hottest step: the
 * enrichment is most of each record's bytes and, serialised field by field for every event, cost
 * more than validating it.
 *
 * For events as validation leaves them (validate-event.ts drops every field the contract does not
 * name, and of the enrichment fields the contract names only `v` and `event_id`); anything else
 * goes the long way round, which gives the same text.
 */
export function createEventSerializer(context: RequestContext): (event: WireEvent) => SerializedEvent {
  const facts = requestFacts(context);
  const { ua } = facts;
  const requestJson = (automated: boolean): string =>
    jsonFields({
      received_at: facts.receivedAt,
      ip: facts.ip,
      user_agent: facts.userAgent,
      browser: ua.browser,
      browser_version: ua.browser_version,
      os: ua.os,
      device: ua.device,
      is_bot: ua.is_bot || automated,
      bot_name: ua.bot_name ?? (automated ? AUTOMATED_BROWSER : null),
    });
  const human = requestJson(false);
  const automated = requestJson(true);
  return (event) => {
    const head = JSON.stringify(event);
    if (head.length <= 2 || !hasOnlyWireFields(event)) {
      const enriched = enrichWith(event, facts);
      return { eventId: enriched.event_id, json: JSON.stringify(enriched) };
    }
    const eventId = event.event_id ?? randomUUID();
    const page = pages.get(event.url);
    return {
      eventId,
      json:
        head.slice(0, -1) +
        (event.v === undefined ? `,"v":${CONTRACT_VERSION}` : '') +
        (event.event_id === undefined ? `,"event_id":"${eventId}"` : '') +
        (event.automated === true ? automated : human) +
        page.hostJson +
        referrerOf(event).json +
        page.utmJson +
        '}',
    };
  };
}

/** The enrichment fields the wire contract does not name: an event carrying one of them is serialised the long way. */
const addedFields = [
  'received_at',
  'ip',
  'user_agent',
  'browser',
  'browser_version',
  'os',
  'device',
  'is_bot',
  'bot_name',
  'host',
  'path',
  'referrer_host',
  ...utmKeys,
] as const;

/** Whether appending the enrichment after the event's own JSON gives the enriched object's JSON. */
function hasOnlyWireFields(event: WireEvent): boolean {
  // A `v` or `event_id` present but undefined would be filled in place, not appended.
  if (('v' in event && event.v === undefined) || ('event_id' in event && event.event_id === undefined)) return false;
  for (const field of addedFields) if (field in event) return false;
  return !('toJSON' in event);
}

/** {@link createEnricher} for a single event. */
export function enrichEvent(event: WireEvent, context: RequestContext): EnrichedEvent {
  return createEnricher(context)(event);
}

/**
 * The fields are set one by one in a fixed order onto a copy of the event, which gives the same
 * object (same keys, same order) as one literal spreading the event, the User-Agent and the UTM
 * fields, but keeps it a fast-mode object: several spreads in one literal made V8 build it key by
 * key in its slow path, and JSON.stringify then took its slow path too.
 */
function enrichWith(event: WireEvent, facts: RequestFacts): EnrichedEvent {
  const page = pages.get(event.url);
  const automated = event.automated === true;
  const { ua } = facts;
  const enriched: Record<string, unknown> = { ...event };
  enriched['v'] = event.v ?? CONTRACT_VERSION;
  enriched['event_id'] = event.event_id ?? randomUUID();
  enriched['received_at'] = facts.receivedAt;
  enriched['ip'] = facts.ip;
  enriched['user_agent'] = facts.userAgent;
  enriched['browser'] = ua.browser;
  enriched['browser_version'] = ua.browser_version;
  enriched['os'] = ua.os;
  enriched['device'] = ua.device;
  enriched['is_bot'] = ua.is_bot || automated;
  enriched['bot_name'] = ua.bot_name ?? (automated ? AUTOMATED_BROWSER : null);
  enriched['host'] = page.host;
  enriched['path'] = page.path;
  enriched['referrer_host'] = referrerOf(event).host;
  enriched['utm_source'] = page.utm.utm_source;
  enriched['utm_medium'] = page.utm.utm_medium;
  enriched['utm_campaign'] = page.utm.utm_campaign;
  enriched['utm_term'] = page.utm.utm_term;
  enriched['utm_content'] = page.utm.utm_content;
  return enriched as EnrichedEvent;
}
