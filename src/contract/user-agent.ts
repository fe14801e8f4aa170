import { UAParser } from 'ua-parser-js';
import { botNameOfUserAgent } from './bot-traffic.ts';

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

const cache = new Map<string, ParsedUserAgent>();
const CACHE_LIMIT = 5000;

/** Parsing is the costliest enrichment step and real traffic repeats a few hundred UAs, hence the bounded cache. */
export function parseUserAgent(userAgent: string): ParsedUserAgent {
  const hit = cache.get(userAgent);
  if (hit !== undefined) return hit;
  const result = new UAParser(userAgent).getResult();
  const botName = botNameOfUserAgent(userAgent);
  const bot = botName !== null;
  const deviceType = result.device.type;
  const parsed: ParsedUserAgent = {
    browser: result.browser.name ?? null,
    browser_version: result.browser.major ?? null,
    os: result.os.name ?? null,
    device: bot ? 'bot' : deviceType === undefined ? 'desktop' : deviceType === 'mobile' || deviceType === 'tablet' ? deviceType : 'other',
    is_bot: bot,
    bot_name: botName,
  };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(userAgent, parsed);
  return parsed;
}
