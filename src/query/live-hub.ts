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
 * and not at all when nobody watches.
 */
export function createLiveHub(deps: {
  store: RealtimeStore;
  bus: Bus;
  watches: readonly ConsumerGroupWatch[];
  intervalMs?: number;
  lagIntervalMs?: number;
  now?: () => number;
  onError?: (error: unknown) => void;
}) {
  const now = deps.now ?? Date.now;
  const listeners = new Map<string, Set<Listener>>();
  let pipeline: PipelineHealth = { groups: [], checkedAt: 0, error: null };
  let timer: NodeJS.Timeout | undefined;
  let ticking = false;

  const tick = async (): Promise<void> => {
    if (ticking) return;
    ticking = true;
    try {
      const at = now();
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
    }
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
        }
      };
    },
    close(): void {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      listeners.clear();
    },
  };
}

export type LiveHub = ReturnType<typeof createLiveHub>;
