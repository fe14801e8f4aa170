import { Type, type TSchema } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { SiteSet } from '../config/config.ts';
import { FALLBACK_SITE, derivedSessionId, pageUrl, timestampMs, userIdOf } from './derived-fields.ts';
import { SiteKey } from './site-key.ts';

/**
 * The seeds' own HTTP clients post events in shapes of their own, without the contract's `type`,
 * `site`, `session_id` or absolute `url`. A body that matches one of the schemas below (they are in
 * the OpenAPI document too) is mapped here to a wire event before validation, which then checks it
 * as any event; anything else — every body with a `type` — passes untouched, so validation names
 * what it lacks.
 *
 * - Seed 000's mouse tracker (to /api/coordinates): `{x | clientX, y | clientY, user_id | userId,
 *   timestamp?, page?}`, no `url` → a `mouse_move`.
 * - Seed 001's button-click script (the Flask app's fields: event type, URL, referrer, session id,
 *   timestamp and additional JSON data): `{event_type, url | page_url | page?, session_id | user_id,
 *   referrer?, timestamp?, data | additional_data?}` → `click` for "click" and "button_click",
 *   `page_view` for "page_view" and "view", `form_submit` for "form_submit" and "submit", else a
 *   `custom` event named after it.
 * - Seed 004's activity record posted over HTTP: `{user_id, action, page, timestamp?}` → `page_view`
 *   for "view", else a `custom` event named after the action (as the workers map it from Kafka).
 *
 * Filled in: `site` → the default site (PULSE_DEFAULT_SITE) unless given; `user_id` → its string, or
 * the session id when only that is sent; `session_id` → derived from user and 30-minute window
 * (derived-fields.ts); `url` → the page on the site's host, else the page that sent the request (its
 * Referer), else the site's root; `timestamp` (ISO-8601, epoch s or ms) → `ts`; the additional data
 * and any other field → `props`. IP, User-Agent and all ingest adds are added as for any event.
 */

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

// Bounds keep every body these schemas accept a valid event once mapped (a page of 600 characters
// stays under the contract's 2,048 for a URL even with every character percent-encoded).
const UserId = Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Integer()], { description: 'Visitor id.' });
const Page = Type.String({ minLength: 1, maxLength: 600, description: 'A path (`/home`) or an http(s) URL.' });
// Python's `datetime.now().isoformat()` has no zone (read as server time); one Date cannot read is left out.
const Timestamp = Type.Union(
  [
    Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?([Zz]|[+-]\\d{2}:?\\d{2})?$' }),
    Type.Number({ minimum: 0, maximum: 253_402_300_799_999 }),
  ],
  { description: 'ISO-8601 (a zone is optional), or epoch seconds or milliseconds.' },
);
const Name = Type.String({ minLength: 1, maxLength: 128 });
const Coordinate = Type.Number({ minimum: 0, maximum: 100_000 });
const Viewport = Type.Integer({ minimum: 0, maximum: 100_000 });
const Data = Type.Record(Type.String({ maxLength: 128 }), Type.Unknown());
const optional = <T extends TSchema>(schema: T) => Type.Optional(schema);
const anyRequired = (...names: string[]) => ({ anyOf: names.map((name) => ({ required: name.split('+') })) });

export const SeedCoordinates = Type.Object(
  {
    x: optional(Coordinate),
    y: optional(Coordinate),
    clientX: optional(Coordinate),
    clientY: optional(Coordinate),
    user_id: optional(UserId),
    userId: optional(UserId),
    site: optional(SiteKey()),
    page: optional(Page),
    timestamp: optional(Timestamp),
    viewport_w: optional(Viewport),
    viewport_h: optional(Viewport),
  },
  {
    description: 'A plain mouse tracker’s post: a cursor position and a visitor id; site, session and URL are filled in.',
    allOf: [anyRequired('x+y', 'clientX+clientY'), anyRequired('user_id', 'userId')],
  },
);

export const SeedEventType = Type.Object(
  {
    event_type: Name,
    user_id: optional(UserId),
    session_id: optional(Name),
    site: optional(SiteKey()),
    url: optional(Page),
    page_url: optional(Page),
    referrer: optional(Type.String({ maxLength: 2048 })),
    timestamp: optional(Timestamp),
    data: optional(Data),
    additional_data: optional(Data),
  },
  { description: 'A plain click script’s post: an event type with a visitor or session id.', ...anyRequired('user_id', 'session_id') },
);

export const SeedActivity = Type.Object(
  { user_id: UserId, action: Name, page: Page, site: optional(SiteKey()), session_id: optional(Name), timestamp: optional(Timestamp) },
  {
    description:
      'An activity record `{user_id, action, page, timestamp}` posted over HTTP: `view` is a page view, other actions custom events.',
  },
);

const ajv = addFormats(new Ajv({ allErrors: false, strict: false }));
const isCoordinates = ajv.compile(SeedCoordinates);
const isEventType = ajv.compile(SeedEventType);
const isActivity = ajv.compile(SeedActivity);

export interface SeedRequestContext {
  defaultSite: string;
  /** The request's Referer header: the page a browser client posted from. */
  referer?: string | undefined;
  now: Date;
}

type Fields = Record<string, unknown>;

const eventTypeOf: Readonly<Record<string, string>> = {
  click: 'click',
  button_click: 'click',
  page_view: 'page_view',
  view: 'page_view',
  form_submit: 'form_submit',
  submit: 'form_submit',
};

const first = (fields: Fields, names: readonly string[]): unknown => names.map((name) => fields[name]).find((v) => v !== undefined);

/** Returns the wire event a seed's request stands for, or the input as it is. */
export const mapSeedRequest = (context: SeedRequestContext) =>
  function mapSeedRequest(raw: unknown): unknown {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || 'type' in raw) return raw;
    const fields = raw as Fields;
    if ('event_type' in fields) {
      if (!isEventType(fields)) return raw;
      const name = fields.event_type;
      const mapped = common(fields, ['event_type', 'url', 'page_url'], context);
      const type = eventTypeOf[name] ?? 'custom';
      return type === 'custom' ? { type, name, ...mapped } : { type, ...mapped };
    }
    if ('action' in fields) {
      if (!isActivity(fields)) return raw;
      const mapped = common(fields, ['action', 'page'], context);
      return fields.action === 'view' ? { type: 'page_view', ...mapped } : { type: 'custom', name: fields.action, ...mapped };
    }
    // An event of the contract's own shape always has a `url`: only a body without one is seed 000's.
    if ('url' in fields || !isCoordinates(fields)) return raw;
    const viewport = Object.fromEntries(['viewport_w', 'viewport_h'].filter((name) => name in fields).map((name) => [name, fields[name]]));
    const consumed = ['x', 'y', 'clientX', 'clientY', 'viewport_w', 'viewport_h', 'page'];
    return {
      type: 'mouse_move',
      ...common(fields, consumed, context),
      x: fields['x'] ?? fields['clientX'],
      y: fields['y'] ?? fields['clientY'],
      ...viewport,
    };
  };

const shared = ['site', 'user_id', 'userId', 'session_id', 'timestamp', 'referrer', 'data', 'additional_data'];

/** The fields every mapped event shares (the body has passed its schema, so a visitor id is there). */
function common(fields: Fields, consumed: readonly string[], context: SeedRequestContext): Fields {
  const site = typeof fields['site'] === 'string' ? fields['site'] : context.defaultSite;
  const session = typeof fields['session_id'] === 'string' ? fields['session_id'] : undefined;
  const userId = userIdOf(first(fields, ['user_id', 'userId'])) ?? session ?? '';
  const eventMs = timestampMs(fields['timestamp']);
  const page = first(fields, ['url', 'page_url', 'page']);
  const url =
    (typeof page === 'string' ? pageUrl(site, page) : undefined) ??
    (context.referer === undefined ? undefined : pageUrl(site, context.referer)) ??
    pageUrl(site, '/');
  const data = first(fields, ['data', 'additional_data']);
  const extra = Object.entries(fields).filter(([key]) => !consumed.includes(key) && !shared.includes(key) && key.length <= 128);
  const props = { ...(typeof data === 'object' && data !== null ? data : {}), ...Object.fromEntries(extra) };
  return {
    site,
    user_id: userId,
    session_id: session ?? derivedSessionId(userId, eventMs ?? context.now.getTime()),
    url,
    ...(typeof eventMs === 'number' ? { ts: new Date(eventMs).toISOString() } : {}),
    ...(typeof fields['referrer'] === 'string' ? { referrer: fields['referrer'] } : {}),
    ...(Object.keys(props).length === 0 ? {} : { props }),
  };
}

/** The default site when none is configured: the first collected site key, or FALLBACK_SITE when any key is collected. */
export function defaultSiteOf(sites: SiteSet): string {
  return sites === 'any' ? FALLBACK_SITE : ([...sites][0] ?? FALLBACK_SITE);
}
