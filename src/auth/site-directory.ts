import type { SiteSet } from '../config/config.ts';
import type { AccountStore, SiteRecord } from '../stores/accounts/account-store.ts';
import { compileShield, type Shield } from '../ingest/shields.ts';

/**
 * The sites Pulse collects for, kept in memory for ingest's per-event check: the keys of
 * PULSE_SITES (always accepted: they are the bootstrap) and every site record. `accepted` is the
 * one Set ingest reads; refresh() changes it in place, so a site added from the dashboard is
 * collected for at once in this process (other processes refresh on a timer).
 */
export interface SiteDirectory {
  readonly accepted: SiteSet;
  /** The origins a site's record allows, or undefined when it names none. */
  originsOf(site: string): ReadonlySet<string> | undefined;
  /** The site's shields (excluded addresses and paths), or undefined when it has none. */
  shieldOf(site: string): Shield | undefined;
  records(): readonly SiteRecord[];
  /** The keys of PULSE_SITES (they cannot be removed while listed there). */
  readonly bootstrap: ReadonlySet<string>;
  refresh(): Promise<void>;
}

export function createSiteDirectory(store: Pick<AccountStore, 'listSites'> | undefined, configured: SiteSet): SiteDirectory {
  const bootstrap: ReadonlySet<string> = configured === 'any' ? new Set() : new Set(configured);
  const accepted = configured === 'any' ? 'any' : new Set(bootstrap);
  let records: SiteRecord[] = [];
  let origins = new Map<string, ReadonlySet<string>>();
  let shields = new Map<string, Shield>();
  return {
    accepted,
    bootstrap,
    originsOf: (site) => origins.get(site),
    shieldOf: (site) => shields.get(site),
    records: () => records,
    async refresh() {
      if (store === undefined) return;
      records = await store.listSites();
      origins = new Map(records.filter((r) => r.origins.length > 0).map((r) => [r.key, new Set(r.origins)]));
      shields = new Map(
        records.flatMap((r) => {
          const shield = compileShield(r);
          return shield === undefined ? [] : [[r.key, shield] as const];
        }),
      );
      if (accepted === 'any') return;
      const keys = new Set([...bootstrap, ...records.map((r) => r.key)]);
      for (const key of [...accepted]) if (!keys.has(key)) accepted.delete(key);
      for (const key of keys) accepted.add(key);
    },
  };
}

/** PULSE_SITES keys that have no record yet get one (named after the key). */
export async function bootstrapSites(store: AccountStore, directory: SiteDirectory): Promise<void> {
  for (const key of directory.bootstrap) await store.addSite({ key, name: key, origins: [] });
  await directory.refresh();
}
