import type { SearchIndex } from './search-index.ts';

/**
 * A search index opened on its first use: embedded mode keeps the marketplace's index in PGlite,
 * which holds ~200+ MiB from the moment it starts, so a Pulse whose shop is never used never pays
 * for it. The first call opens (and migrates) the index; a failed open is retried by the next call.
 * `migrate()` before the first use does nothing: the open migrates.
 */
export function lazySearchIndex(kind: SearchIndex['kind'], open: () => Promise<SearchIndex>): SearchIndex {
  let index: Promise<SearchIndex> | undefined;
  let closed = false;
  const ready = (): Promise<SearchIndex> => {
    if (closed) return Promise.reject(new Error('the search index is closed'));
    index ??= open().catch((error: unknown) => {
      index = undefined;
      throw error;
    });
    return index;
  };
  const via =
    <K extends keyof SearchIndex>(method: K) =>
    async (...args: unknown[]): Promise<never> =>
      ((await ready())[method] as (...a: unknown[]) => Promise<never>)(...args);
  return {
    kind,
    migrate: async () => {
      if (index !== undefined) await (await index).migrate();
    },
    upsertProducts: via('upsertProducts'),
    deleteProducts: via('deleteProducts'),
    indexQueries: via('indexQueries'),
    search: via('search'),
    getProduct: via('getProduct'),
    countProducts: via('countProducts'),
    categoryFigures: via('categoryFigures'),
    recentQueries: via('recentQueries'),
    queryStats: via('queryStats'),
    ping: via('ping'),
    close: async () => {
      closed = true;
      const opening = index;
      index = undefined;
      if (opening !== undefined) await (await opening.catch(() => undefined))?.close();
    },
  };
}
