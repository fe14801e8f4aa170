/** Reads of the live stats API (/api/stats/*, /api/sites); a failed read throws with the server's message. */

const siteParam = (site: string | null) => (site === null ? '' : `site=${encodeURIComponent(site)}`);

/** `path` with `?site=` first (no site: the server's default one), then `extra`. */
export const withSite = (path: string, site: string | null, extra: Record<string, string> = {}): string => {
  const query = [siteParam(site), ...Object.entries(extra).map(([k, v]) => `${k}=${encodeURIComponent(v)}`)].filter((part) => part !== '');
  return query.length === 0 ? path : `${path}?${query.join('&')}`;
};

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { message?: string };
    throw new Error(body.message ?? `${url}: HTTP ${response.status}`);
  }
  return (await response.json()) as T;
}
