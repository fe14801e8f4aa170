/**
 * The product analytics views — Funnels (`#funnels`), Retention (`#retention`) and Events
 * (`#events`) — in one container, loaded together on first use (view-router.ts). Each is made the
 * first time it is shown and asks its question for the site of the header's picker.
 */
import type { AnalyticsPanel } from './analytics-dom.ts';
import { eventsView } from './events-view.ts';
import { funnelsView } from './funnels-view.ts';
import { retentionView } from './retention-view.ts';

export type AnalyticsKind = 'funnels' | 'retention' | 'events';

export interface AnalyticsView {
  show(kind: AnalyticsKind): void;
  hide(): void;
  /** The site the live view resolved (the header's picker). */
  setSite(site: string): void;
}

const makers: Record<AnalyticsKind, () => AnalyticsPanel> = { funnels: funnelsView, retention: retentionView, events: eventsView };

export function analyticsView(root: HTMLElement, initialSite: string | null): AnalyticsView {
  const panels = new Map<AnalyticsKind, AnalyticsPanel>();
  let site = initialSite;
  let current: AnalyticsKind | null = null;

  const panel = (kind: AnalyticsKind): AnalyticsPanel => {
    let made = panels.get(kind);
    if (made === undefined) {
      made = makers[kind]();
      panels.set(kind, made);
      root.append(made.element);
    }
    return made;
  };

  function showCurrent(): void {
    for (const [kind, one] of panels) if (kind !== current) one.hide();
    if (current === null || site === null) return;
    root.dataset['view'] = current;
    panel(current).show(site);
  }

  return {
    show(kind) {
      current = kind;
      showCurrent();
    },
    hide() {
      current = null;
      showCurrent();
    },
    setSite(next) {
      site = next;
      if (current !== null) showCurrent();
    },
  };
}
