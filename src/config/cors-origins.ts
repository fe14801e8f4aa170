import { siteKeySource } from '../contract/site-key.ts';
import { PulseError, errorCodes } from '../shared/errors.ts';

const entryPattern = new RegExp(`^(?:(${siteKeySource})=)?(.+)$`);

/**
 * PULSE_CORS_ORIGINS: `*`, or origins that may send events, each either for
 * every site (`https://a.example`) or for one site key (`demo=https://a.example`).
 */
export interface OriginPolicy {
  any: boolean;
  everySite: ReadonlySet<string>;
  bySite: ReadonlyMap<string, ReadonlySet<string>>;
}

const normalizeOrigin = (origin: string): string | null => {
  try {
    const url = new URL(origin);
    return url.origin === 'null' ? null : url.origin;
  } catch {
    return null;
  }
};

export function originPolicy(setting: string): OriginPolicy {
  const everySite = new Set<string>();
  const bySite = new Map<string, Set<string>>();
  if (setting.trim() === '*') return { any: true, everySite, bySite };
  for (const entry of setting.split(',')) {
    const match = entryPattern.exec(entry.trim());
    const origin = normalizeOrigin(match?.[2] ?? '');
    if (match === null || origin === null) {
      throw new PulseError(
        errorCodes.CONFIG_INVALID,
        `PULSE_CORS_ORIGINS: "${entry}" is not an origin such as https://shop.example or site=https://shop.example`,
      );
    }
    const site = match[1];
    if (site === undefined) everySite.add(origin);
    else bySite.set(site, (bySite.get(site) ?? new Set()).add(origin));
  }
  return { any: false, everySite, bySite };
}

/** Whether a page at `origin` may send events (for `site`, or for some site when omitted). */
export function originAllowed(policy: OriginPolicy, origin: string, site?: string): boolean {
  if (policy.any) return true;
  const normalized = normalizeOrigin(origin);
  if (normalized === null) return false;
  if (policy.everySite.has(normalized)) return true;
  if (site !== undefined) return policy.bySite.get(site)?.has(normalized) === true;
  for (const origins of policy.bySite.values()) if (origins.has(normalized)) return true;
  return false;
}
