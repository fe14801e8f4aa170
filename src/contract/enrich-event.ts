import { randomUUID } from 'node:crypto';
import { AUTOMATED_BROWSER } from './bot-traffic.ts';
import { CONTRACT_VERSION, type EnrichedEvent, type WireEvent } from './event-schema.ts';
import { anonymizeIp } from './ip.ts';
import { parseUserAgent } from './user-agent.ts';

export interface RequestContext {
  ip: string | null;
  userAgent: string;
  /** Server receive time. */
  now: Date;
  anonymizeIp: boolean;
}

const utmKeys = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;

/**
 * Adds what the server knows about an event; pure apart from generating a missing event_id.
 * Bot traffic (is_bot, bot_name) is decided here: a bot User-Agent, none at all, or the tracker's
 * `automated` report (see bot-traffic.ts).
 */
export function enrichEvent(event: WireEvent, context: RequestContext): EnrichedEvent {
  const url = new URL(event.url);
  const ua = parseUserAgent(context.userAgent);
  const utm = Object.fromEntries(utmKeys.map((key) => [key, url.searchParams.get(key)])) as Record<(typeof utmKeys)[number], string | null>;
  return {
    ...event,
    v: event.v ?? CONTRACT_VERSION,
    event_id: event.event_id ?? randomUUID(),
    received_at: context.now.toISOString(),
    ip: context.ip === null ? null : context.anonymizeIp ? anonymizeIp(context.ip) : context.ip,
    user_agent: context.userAgent,
    ...ua,
    is_bot: ua.is_bot || event.automated === true,
    bot_name: ua.bot_name ?? (event.automated === true ? AUTOMATED_BROWSER : null),
    host: url.host,
    path: url.pathname,
    referrer_host: referrerHost(event.referrer),
    ...utm,
  };
}

function referrerHost(referrer: string | undefined): string | null {
  if (referrer === undefined || referrer === '') return null;
  try {
    return new URL(referrer).host || null;
  } catch {
    return null;
  }
}
