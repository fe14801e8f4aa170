import type { RealtimeSnapshot, RealtimeStore } from '../stores/realtime/realtime-store.ts';
import type { Bus } from '../bus/bus.ts';
import { pipelineHealth, type ConsumerGroupWatch, type PipelineHealth } from './pipeline-health.ts';

export interface LiveUpdate {
  realtime: RealtimeSnapshot;
  pipeline: PipelineHealth;
  /** now − newest aggregated event, ms; null before the first event. */
  newestEventAgeMs: number | null;
  serverTime: number;
}

type Listener = (update: LiveUpdate) => void;

/**
 * Pushes one computed snapshot per site and tick to every connected
 * dashboard, so the stores are read once per tick however many are open,
 * and not at all when nobody watches. A process whose realtime worker runs
 * beside it calls `wake()` after each applied batch: the next push then
 * comes as soon as `minGapMs` allows instead of up to a whole interval later.
 */
export function createLiveHub(deps: {
  store: RealtimeStore;
  bus: Bus;
  watches: readonly ConsumerGroupWatch[];
  intervalMs?: number;
  /** The least time between two pushes a wake may bring forward (at most 1000 / minGapMs snapshots a second under load). */
  minGapMs?: number;
  lagIntervalMs?: number;
  now?: () => number;
  onError?: (error: unknown) => void;
}) {
  const now = deps.now ?? Date.now;
  const minGapMs = deps.minGapMs ?? 100;
  const listeners = new Map<string, Set<Listener>>();
  let pipeline: PipelineHealth = { groups: [], checkedAt: 0, error: null };
  let timer: NodeJS.Timeout | undefined;
  let woken: NodeJS.Timeout | undefined;
  let ticking = false;
  // A wake during a tick: that tick may have read the store before the batch landed.
  let wokenWhileTicking = false;
  let lastTickAt = Number.NEGATIVE_INFINITY;

  const wake = (): void => {
    if (listeners.size === 0 || woken !== undefined) return;
    if (ticking) {
      wokenWhileTicking = true;
      return;
    }
    woken = setTimeout(
      () => {
        woken = undefined;
        void tick();
      },
      Math.max(0, lastTickAt + minGapMs - now()),
    );
  };

  const tick = async (): Promise<void> => {
    if (ticking) return;
    ticking = true;
    wokenWhileTicking = false;
    try {
      const at = now();
      lastTickAt = at;
      if (at - pipeline.checkedAt >= (deps.lagIntervalMs ?? 2000)) pipeline = await pipelineHealth(deps.bus, deps.watches, at);
      for (const [site, siteListeners] of listeners) {
        const realtime = await deps.store.snapshot(site, at);
        const update: LiveUpdate = {
          realtime,
          pipeline,
          newestEventAgeMs: realtime.newestEventTs === null ? null : Math.max(0, at - realtime.newestEventTs),
          serverTime: at,
        };
        for (const listener of siteListeners) listener(update);
      }
    } catch (error) {
      deps.onError?.(error);
    } finally {
      ticking = false;
      if (wokenWhileTicking) wake();
    }
  };

  const stopWake = (): void => {
    if (woken !== undefined) clearTimeout(woken);
    woken = undefined;
  };

  return {
    subscribe(site: string, listener: Listener): () => void {
      const set = listeners.get(site) ?? new Set<Listener>();
      set.add(listener);
      listeners.set(site, set);
      timer ??= setInterval(() => void tick(), deps.intervalMs ?? 500);
      void tick();
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(site);
        if (listeners.size === 0 && timer !== undefined) {
          clearInterval(timer);
          timer = undefined;
          stopWake();
        }
      };
    },
    wake,
    close(): void {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      stopWake();
      listeners.clear();
    },
  };
}

export type LiveHub = ReturnType<typeof createLiveHub>;
