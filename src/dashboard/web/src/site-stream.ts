/**
 * The site shown and its live stream. Opening a site reads its realtime
 * snapshot first, which checks the site key and fills the page before the
 * stream's first tick, then subscribes to /api/stream for it. Answers and
 * updates for a site left behind are dropped.
 */
import type { LiveUpdate, RealtimeSnapshot, SitesResponse } from './api-types.ts';
import { byId, el, errorText } from './dom.ts';
import { connectLive, type ConnectionState, type LiveConnection } from './live.ts';
import { ApiError } from './session.ts';
import { getJson, withSite } from './stats-api.ts';

/** After the stats API did not answer, the site is opened again this much later. */
const RETRY_MS = 3000;

export interface SiteStreamHooks {
  /** Another site is being opened: what was shown for the previous one goes. */
  reset(): void;
  banner(message: string | null): void;
  /** The site the server answered for (its default one when none was asked for). */
  resolved(site: string): void;
  snapshot(realtime: RealtimeSnapshot): void;
  update(update: LiveUpdate): void;
  connection(state: ConnectionState): void;
}

export interface SiteStream {
  /** The site shown; null until the first snapshot answered. */
  site(): string | null;
  latest(): LiveUpdate | undefined;
  /** The server's clock as of the last update, else the browser's. */
  serverNow(): number;
  /** Opens `site` (null: the server's default), with `notice` in the banner once it answered. */
  open(site: string | null, notice?: string | null): Promise<void>;
  /** Reads the sites offered in the picker again (after the Sites view added or removed one). */
  refreshSites(): Promise<void>;
}

function renderSiteOptions(select: HTMLSelectElement, sites: readonly string[], selected: string): void {
  const all = [...new Set([...sites, selected])];
  select.replaceChildren(
    ...all.map((site) => {
      const option = el('option', '', site);
      option.value = site;
      return option;
    }),
  );
  select.value = selected;
  select.disabled = all.length < 2;
}

/** The sites to offer: /api/sites (only those the signed-in account may read), else the one being shown. */
async function knownSites(): Promise<string[]> {
  try {
    const response = await getJson<SitesResponse>('/api/sites');
    return response.sites;
  } catch {
    return [];
  }
}

export function siteStream(hooks: SiteStreamHooks): SiteStream {
  const select = byId<HTMLSelectElement>('site');
  let site: string | null = null;
  let latest: LiveUpdate | undefined;
  let connection: LiveConnection | undefined;
  /** Bumped on every site switch, so answers for the previous site are dropped. */
  let generation = 0;

  async function open(wanted: string | null, notice: string | null = null): Promise<void> {
    generation += 1;
    const opened = generation;
    connection?.close();
    latest = undefined;
    hooks.reset();

    let snapshot: RealtimeSnapshot;
    try {
      snapshot = await getJson<RealtimeSnapshot>(withSite('/api/stats/realtime', wanted));
    } catch (error) {
      if (opened !== generation) return;
      if (wanted !== null) return open(null, `Site "${wanted}": ${errorText(error)}. Showing the default site.`);
      if (error instanceof ApiError && error.status === 403) {
        // Not a failure that retrying mends (e.g. no site is shared with this account yet).
        hooks.banner(errorText(error));
        return;
      }
      hooks.banner(`The stats API did not answer: ${errorText(error)}. Retrying…`);
      window.setTimeout(() => void open(wanted, notice), RETRY_MS);
      return;
    }
    if (opened !== generation) return;
    hooks.banner(notice);
    site = snapshot.site;
    hooks.resolved(snapshot.site);
    renderSiteOptions(select, await knownSites(), snapshot.site);
    hooks.snapshot(snapshot);

    connection = connectLive({
      site: snapshot.site,
      onUpdate: (update) => {
        if (opened !== generation) return;
        latest = update;
        hooks.update(update);
      },
      onState: (state) => hooks.connection(state),
    });
  }

  select.addEventListener('change', () => {
    const url = new URL(window.location.href);
    url.searchParams.set('site', select.value);
    window.history.replaceState(null, '', url);
    void open(select.value);
  });

  return {
    site: () => site,
    latest: () => latest,
    serverNow: () => latest?.serverTime ?? Date.now(),
    open,
    async refreshSites() {
      if (site !== null) renderSiteOptions(select, await knownSites(), site);
    },
  };
}
