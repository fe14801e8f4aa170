import type { SiteSet } from '../config/config.ts';
import { isSiteKey } from '../contract/site-key.ts';

/**
 * A 429 for the shared error handler (src/http/error-handler.ts answers it as
 * `{ "error": "rate_limited", "message" }`); the caller sets Retry-After.
 */
export function rateLimited(message: string): Error & { statusCode: 429 } {
  return Object.assign(new Error(message), { name: 'RateLimitedError', statusCode: 429 as const });
}

/** Why a request was refused: the first site key over its limit and when its window ends. */
export interface SiteLimitRefusal {
  site: string;
  limit: number;
  retryAfterSeconds: number;
}

export interface SiteRateLimiter {
  /**
   * Counts a request's events per site key. Refused (nothing counted) when one of them would go
   * past `max` events in its current window; a request is never split, and the first request of
   * a window is always taken, so a batch larger than the limit is not refused for ever.
   */
  take(eventsPerSite: ReadonlyMap<string, number>): SiteLimitRefusal | undefined;
}

export interface SiteRateLimitOptions {
  /** Events per site key per window; 0 turns the limit off. */
  max: number;
  windowMs?: number;
  /** Most site keys followed at once (the least recently used is forgotten beyond it). */
  maxKeys?: number;
  now?: () => number;
}

/**
 * Events per site key in fixed windows (a window starts at a key's first event), counted over all
 * client IPs together: a site key is public (it is in every page's HTML), so a flood under one key
 * from many addresses is limited here, where the per-IP limit would let each address through.
 * In memory, per ingest process. With `PULSE_SITES=*` any key is counted, so the table follows at
 * most `maxKeys` keys, least recently used first out: a flooding key stays in it.
 */
export function createSiteRateLimiter(options: SiteRateLimitOptions): SiteRateLimiter {
  const { max, windowMs = 60_000, maxKeys = 10_000, now = Date.now } = options;
  const windows = new Map<string, { used: number; endsAt: number }>();

  return {
    take(eventsPerSite) {
      if (max <= 0 || eventsPerSite.size === 0) return undefined;
      const at = now();
      for (const [site, events] of eventsPerSite) {
        const window = windows.get(site);
        if (window === undefined || window.endsAt <= at || window.used === 0) continue;
        if (window.used + events > max) return { site, limit: max, retryAfterSeconds: Math.max(1, Math.ceil((window.endsAt - at) / 1000)) };
      }
      for (const [site, events] of eventsPerSite) {
        let window = windows.get(site);
        if (window === undefined || window.endsAt <= at) window = { used: 0, endsAt: at + windowMs };
        window.used += events;
        windows.delete(site); // re-inserted last: Map order is least recently used first
        windows.set(site, window);
      }
      for (const site of windows.keys()) {
        if (windows.size <= maxKeys) break;
        windows.delete(site);
      }
      return undefined;
    },
  };
}

/**
 * The events of a request per site key it may collect for (other keys are refused, not counted),
 * leaving out those `dropped(site, url)` says are dropped anyway (a site's shields).
 */
export function eventsPerSite(
  events: readonly unknown[],
  sites: SiteSet,
  dropped: (site: string, url: string) => boolean = () => false,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) {
    const { site, url } = typeof event === 'object' && event !== null ? (event as { site?: unknown; url?: unknown }) : {};
    if (typeof site !== 'string' || (sites === 'any' ? !isSiteKey(site) : !sites.has(site))) continue;
    if (typeof url === 'string' && dropped(site, url)) continue;
    counts.set(site, (counts.get(site) ?? 0) + 1);
  }
  return counts;
}
