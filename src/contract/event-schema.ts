import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { SiteKey } from './site-key.ts';

/**
 * The one event contract shared by the tracker, ingest and every worker.
 * Wire names are snake_case as in the original requirement documents.
 * `v` lets the contract evolve: a worker can tell which shape it reads.
 */
export const CONTRACT_VERSION = 1;

export const eventTypes = ['page_view', 'click', 'form_submit', 'mouse_move', 'custom'] as const;
export type EventType = (typeof eventTypes)[number];

const id = (description: string) => Type.String({ minLength: 1, maxLength: 128, description });
const optionalText = (maxLength: number, description: string) => Type.Optional(Type.String({ maxLength, description }));

const common = {
  v: Type.Optional(Type.Integer({ minimum: 1, maximum: CONTRACT_VERSION, description: 'Contract version (default 1).' })),
  site: SiteKey(),
  user_id: id('Anonymous (or identified) visitor id.'),
  session_id: id('Session id; renewed by the tracker after 30 minutes of inactivity.'),
  url: Type.String({ minLength: 1, maxLength: 2048, format: 'uri', description: 'Absolute page URL.' }),
  event_id: Type.Optional(
    Type.String({ pattern: '^[A-Za-z0-9_:.-]{8,64}$', description: 'Client-chosen id; repeats are the same event (idempotency).' }),
  ),
  ts: Type.Optional(Type.String({ format: 'date-time', description: 'Client time, ISO-8601.' })),
  referrer: optionalText(2048, 'document.referrer'),
  title: optionalText(512, 'document.title'),
  screen_w: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
  screen_h: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
  language: optionalText(35, 'navigator.language'),
  props: Type.Optional(Type.Record(Type.String({ maxLength: 128 }), Type.Unknown(), { description: 'Free-form properties.' })),
  automated: Type.Optional(
    Type.Boolean({
      description:
        'Sent (true) by the tracker when the browser says it is driven by automation (navigator.webdriver and similar); ingest then flags the event as bot traffic.',
    }),
  ),
};

// Generic over the type literal so that `event.type === 'mouse_move'` narrows to the mouse fields.
const variant = <K extends EventType, T extends Record<string, TSchema>>(type: K, fields: T) =>
  Type.Object({ type: Type.Literal(type), ...common, ...fields }, { $id: type });

export const PageView = variant('page_view', {
  duration: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400, description: 'Seconds spent on the page.' })),
});
export const Click = variant('click', {
  selector: optionalText(512, 'CSS selector of the clicked element.'),
  text: optionalText(256, 'Short visible text of the element.'),
});
export const FormSubmit = variant('form_submit', {
  form_id: optionalText(256, 'id attribute of the form.'),
  form_name: optionalText(256, 'name attribute of the form.'),
});
export const MouseMove = variant('mouse_move', {
  x: Type.Number({ minimum: 0, maximum: 100_000, description: 'clientX' }),
  y: Type.Number({ minimum: 0, maximum: 100_000, description: 'clientY' }),
  viewport_w: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
  viewport_h: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
});
export const Custom = variant('custom', {
  name: Type.String({ minLength: 1, maxLength: 128, description: 'Custom event name (track(name, props)).' }),
});

export const eventSchemas = { page_view: PageView, click: Click, form_submit: FormSubmit, mouse_move: MouseMove, custom: Custom };

export const AnyEvent = Type.Union([PageView, Click, FormSubmit, MouseMove, Custom]);
export type WireEvent = Static<typeof AnyEvent>;

/** What ingest adds before an event reaches a topic. */
export const Enrichment = Type.Object({
  v: Type.Integer(),
  event_id: Type.String(),
  received_at: Type.String({ format: 'date-time' }),
  ip: Type.Union([Type.String(), Type.Null()]),
  user_agent: Type.String(),
  browser: Type.Union([Type.String(), Type.Null()]),
  browser_version: Type.Union([Type.String(), Type.Null()]),
  os: Type.Union([Type.String(), Type.Null()]),
  device: Type.String({ description: 'desktop, mobile, tablet, bot or other' }),
  is_bot: Type.Boolean({ description: 'Bot or automation traffic: a bot User-Agent, none at all, or `automated` (left out of figures).' }),
  // Optional: records written before bot names were kept have none (src/contract/bot-traffic.ts names them).
  bot_name: Type.Optional(
    Type.Union([Type.String(), Type.Null()], { description: 'What the bot figures list a bot event under; null for a human.' }),
  ),
  host: Type.String(),
  path: Type.String(),
  referrer_host: Type.Union([Type.String(), Type.Null()]),
  utm_source: Type.Union([Type.String(), Type.Null()]),
  utm_medium: Type.Union([Type.String(), Type.Null()]),
  utm_campaign: Type.Union([Type.String(), Type.Null()]),
  utm_term: Type.Union([Type.String(), Type.Null()]),
  utm_content: Type.Union([Type.String(), Type.Null()]),
});
export type Enrichment = Static<typeof Enrichment>;

export type EnrichedEvent = WireEvent & Enrichment;
