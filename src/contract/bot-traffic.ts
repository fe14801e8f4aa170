import { isbotMatch } from 'isbot';

/**
 * Bot and automation traffic: what ingest flags, and which sites count it anyway.
 *
 * Ingest decides (the tracker only reports): an event is bot traffic when its User-Agent is on the
 * `isbot` list (crawlers, HTTP libraries, headless browsers), when the request carried no
 * User-Agent, or when the tracker reported `automated: true` (`navigator.webdriver` and similar).
 * Such events are stored with `is_bot: true` and a `bot_name`, and left out of every figure unless
 * their site counts bots (PULSE_COUNT_BOTS_SITES); the "bots" figures count them.
 */

/** The bot name of a request without a User-Agent. */
export const NO_USER_AGENT = '(no user agent)';
/** The bot name of a browser that said it is driven by automation, when its User-Agent looks human. */
export const AUTOMATED_BROWSER = '(automated browser)';
/** The bot name of an event flagged before names were kept, whose User-Agent names nothing. */
export const UNNAMED_BOT = '(unnamed bot)';

/** Longest bot name kept (a User-Agent product token is rarely a tenth of it). */
const NAME_LIMIT = 64;
const separator = /[\s;(),]/;

/**
 * The product token of a bot User-Agent that isbot's pattern matched, without its version:
 * `Mozilla/5.0 (compatible; Googlebot/2.1; +http://…)` → `Googlebot`, `curl/8.0` → `curl`,
 * `… HeadlessChrome/120.0 …` → `HeadlessChrome`. Null when the User-Agent is not a bot's.
 */
export function botNameOfUserAgent(userAgent: string): string | null {
  if (userAgent === '') return NO_USER_AGENT;
  const match = isbotMatch(userAgent);
  if (match === null) return null;
  const at = userAgent.indexOf(match);
  if (at < 0 || match === '') return UNNAMED_BOT;
  let start = at;
  let end = at + match.length;
  while (start > 0 && !separator.test(userAgent.charAt(start - 1))) start -= 1;
  while (end < userAgent.length && !separator.test(userAgent.charAt(end))) end += 1;
  const name = (userAgent.slice(start, end).split('/')[0] ?? '').slice(0, NAME_LIMIT);
  return name === '' ? UNNAMED_BOT : name;
}

/** What a stored event says about itself (old records carry no `automated` nor `bot_name`). */
export interface BotFields {
  is_bot: boolean;
  automated?: boolean | undefined;
  bot_name?: string | null | undefined;
  user_agent?: string | undefined;
}

/** Whether an event is bot or automation traffic, as ingest flagged it. */
export const isBotTraffic = (event: BotFields): boolean => event.is_bot === true || event.automated === true;

/** The name a bot event is counted under; null for a human's event. Records written before names were kept get one from their User-Agent. */
export function botNameOf(event: BotFields): string | null {
  if (!isBotTraffic(event)) return null;
  if (typeof event.bot_name === 'string' && event.bot_name !== '') return event.bot_name.slice(0, NAME_LIMIT);
  const fromAgent = typeof event.user_agent === 'string' ? botNameOfUserAgent(event.user_agent) : null;
  return fromAgent ?? (event.automated === true ? AUTOMATED_BROWSER : UNNAMED_BOT);
}

/**
 * Which sites count bot and automation traffic in their figures. Stores read it on every batch and
 * query, so an implementation may change its answer at run time (e.g. from site records).
 */
export interface BotCounting {
  /** Whether `site` counts bots in its figures. */
  counts(site: string): boolean;
  /** Every site that does (for queries over all sites). */
  sites(): readonly string[];
}

/** The sites of `keys` count bots; a Set is read live, so adding a key later takes effect. */
export function countBotsIn(keys: ReadonlySet<string> | readonly string[]): BotCounting {
  const set: ReadonlySet<string> = Array.isArray(keys) ? new Set(keys) : (keys as ReadonlySet<string>);
  return { counts: (site) => set.has(site), sites: () => [...set] };
}

/** No site counts bots: the default. */
export const countNoBots: BotCounting = countBotsIn([]);
