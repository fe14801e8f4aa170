/**
 * Redis key scheme of the realtime store. R = keyPrefix + "pulse:", K = R + "rt:{" + site + "}:".
 * A site key never contains ':', '{' or '}' (contract pattern), so K is unambiguous; every per-user key
 * ends in a fixed suffix, so a user id containing ':' cannot collide with another user's key.
 *
 * `{site}` is the Redis Cluster hash tag: every key of a site hashes to one slot, so each script call
 * (which receives K as KEYS[1]) and each multi-key command of one site runs on one node, while
 * different sites spread over the masters. On a single Redis the braces are just characters.
 *
 *   K seen:<event_id>        string "1", EX 2 days: an applied event_id of the site (SET NX in the apply script)
 *   K newest                 string  newest received_at applied (epoch ms, only ever raised)
 *   K active                 zset    user_id → last event ts; members ≤ newest − 5 min pruned on write
 *   K cursors                zset    user_id → last mouse_move ts; pruned like `active`
 *   K pages                  zset    path → page views, all time
 *   K pages:m:<minute>       zset    path → page views in that epoch minute; EXPIRE 65 min
 *   K quick:m:<minute>       string  quick exits (page views under 5 s) in that epoch minute; EXPIRE 65 min
 *   K bots:m:<minute>        zset    bot name → bot and automation events in that epoch minute; EXPIRE 65 min
 *   K eps:<second>           string  events in that epoch second; EXPIRE 2 min
 *   K sessions               zset    session_id → last event ts; members ≤ newest − 1 h pruned on write
 *   K sessions:first         hash    session_id → first event ts   (fields pruned with `sessions`)
 *   K sessions:pv            hash    session_id → page views       (fields pruned with `sessions`)
 *   K feed                   list    FeedItem JSON, newest applied first, LTRIM to 100
 *   K heat:<path>            hash    "cx:cy" → mouse_move count on a 50 × 50 grid, all time
 *   K u:<user_id>:hour       hash    epoch minute → events of the user; past minutes pruned once > 60 fields; EXPIRE 65 min
 *   K u:<user_id>:pos        hash    x, y, vw, vh, ts, path of the user's newest mouse_move; EXPIRE 1 day
 *   K u:<user_id>:sessions   set     the user's session ids (what forgetUser erases); EXPIRE 2 h
 *
 * Windows prune against `newest` (event time), so replayed traffic is aggregated like live
 * traffic; EXPIREs are wall-clock safety nets for keys nobody writes any more.
 * The scripts build keys from K, so they run on a single Redis and on Redis Cluster alike.
 */
export interface SiteKeys {
  /** K, the prefix every key of the site starts with (what the scripts receive as KEYS[1]). */
  base: string;
  seen(eventId: string): string;
  newest: string;
  active: string;
  cursors: string;
  pages: string;
  pagesMinute(minute: number): string;
  botsMinute(minute: number): string;
  quickExitsMinute(minute: number): string;
  eps(second: number): string;
  sessions: string;
  feed: string;
  heat(path: string): string;
  userHour(userId: string): string;
  userPosition(userId: string): string;
  userSessions(userId: string): string;
}

/** R: the root every key of this store starts with. */
export const rootOf = (keyPrefix: string): string => `${keyPrefix}pulse:`;

export function siteKeys(root: string, site: string): SiteKeys {
  const base = `${root}rt:{${site}}:`;
  return {
    base,
    seen: (eventId) => `${base}seen:${eventId}`,
    newest: `${base}newest`,
    active: `${base}active`,
    cursors: `${base}cursors`,
    pages: `${base}pages`,
    pagesMinute: (minute) => `${base}pages:m:${minute}`,
    botsMinute: (minute) => `${base}bots:m:${minute}`,
    quickExitsMinute: (minute) => `${base}quick:m:${minute}`,
    eps: (second) => `${base}eps:${second}`,
    sessions: `${base}sessions`,
    feed: `${base}feed`,
    heat: (path) => `${base}heat:${path}`,
    userHour: (userId) => `${base}u:${userId}:hour`,
    userPosition: (userId) => `${base}u:${userId}:pos`,
    userSessions: (userId) => `${base}u:${userId}:sessions`,
  };
}
