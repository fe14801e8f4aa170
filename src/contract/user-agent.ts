import { UAParser } from 'ua-parser-js';
import { botNameOfUserAgent } from './bot-traffic.ts';
import { recentCache } from './recent-cache.ts';

export interface ParsedUserAgent {
  browser: string | null;
  browser_version: string | null;
  os: string | null;
  device: 'desktop' | 'mobile' | 'tablet' | 'bot' | 'other';
  /** On the isbot list, or no User-Agent at all. */
  is_bot: boolean;
  /** The bot's product token (`Googlebot`, `curl`, `HeadlessChrome`, `(no user agent)`); null for a browser. */
  bot_name: string | null;
}

/** What a User-Agent says, parsed every time (ua-parser-js and isbot: tens of microseconds). */
export function readUserAgent(userAgent: string): ParsedUserAgent {
  const result = new UAParser(userAgent).getResult();
  const botName = botNameOfUserAgent(userAgent);
  const bot = botName !== null;
  const deviceType = result.device.type;
  return Object.freeze({
    browser: result.browser.name ?? null,
    browser_version: result.browser.major ?? null,
    os: result.os.name ?? null,
    device: bot ? 'bot' : deviceType === undefined ? 'desktop' : deviceType === 'mobile' || deviceType === 'tablet' ? deviceType : 'other',
    is_bot: bot,
    bot_name: botName,
  });
}

/** Most User-Agents remembered (two generations of this many; see recent-cache.ts). */
export const USER_AGENT_CACHE_LIMIT = 2500;
const cache = recentCache(USER_AGENT_CACHE_LIMIT, readUserAgent);

/**
 * {@link readUserAgent}, remembered: parsing is the costliest enrichment step, every event of a batch
 * carries the request's User-Agent, and real traffic repeats a few hundred of them. The answer is
 * frozen because it is shared.
 */
export function parseUserAgent(userAgent: string): ParsedUserAgent {
  return cache.get(userAgent);
}

/** User-Agents held by the cache now (for tests and metrics). */
export const userAgentCacheSize = (): number => cache.size;
