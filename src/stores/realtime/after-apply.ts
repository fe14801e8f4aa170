import type { ApplyResult, RealtimeStore } from './realtime-store.ts';

/**
 * The same store, telling `listener` after each batch that changed the live figures, so a
 * live push in the same process can follow its own worker instead of a fixed tick.
 */
export function afterApply(store: RealtimeStore, listener: (result: ApplyResult) => void): RealtimeStore {
  return {
    applyBatch: async (events) => {
      const result = await store.applyBatch(events);
      if (result.applied > 0) listener(result);
      return result;
    },
    snapshot: (site, now, options) => store.snapshot(site, now, options),
    userStats: (site, userId, now) => store.userStats(site, userId, now),
    lastPositions: (site, path, now) => store.lastPositions(site, path, now),
    heatmap: (site, path) => store.heatmap(site, path),
    forgetUser: (site, userId) => store.forgetUser(site, userId),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}
