/** Reads of the live stats API (/api/stats/*, /api/sites); a failed read throws an ApiError with the server's message. */
import { apiError, apiFetch } from './session.ts';

const siteParam = (site: string | null) => (site === null ? '' : `site=${encodeURIComponent(site)}`);

/** `path` with `?site=` first (no site: the server's default one), then `extra`. */
export const withSite = (path: string, site: string | null, extra: Record<string, string> = {}): string => {
  const query = [siteParam(site), ...Object.entries(extra).map(([k, v]) => `${k}=${encodeURIComponent(v)}`)].filter((part) => part !== '');
  return query.length === 0 ? path : `${path}?${query.join('&')}`;
};

export async function getJson<T>(url: string): Promise<T> {
  const response = await apiFetch(url);
  if (!response.ok) throw await apiError(response, url.split('?')[0] ?? url);
  return (await response.json()) as T;
}
