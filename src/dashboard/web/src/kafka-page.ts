/**
 * What each page of the Kafka view (brokers and topics, a topic, groups, a
 * group) gives kafka-view.ts, and what it is given.
 */
import type { KafkaRoute } from './kafka-route.ts';
import type { KafkaOverview } from './kafka-types.ts';

export interface KafkaPage {
  /** The page's cards and tiles, in order: they go into the view's grid. */
  nodes: HTMLElement[];
  /** Reads what the page shows; called when it is shown, then every `pollMs` while it is on screen. */
  refresh(signal: AbortSignal): Promise<void>;
  /** 0: refreshed only when shown or asked. */
  pollMs: number;
  /** A new hash for the same page (another browse query of the same topic). */
  update?(route: KafkaRoute): void;
  /** The view is hidden or the page left: stop what runs (live tail, timers). */
  dispose(): void;
}

export interface PageContext {
  /** The bus, once the overview was read (pages use it for wording). */
  overview(): KafkaOverview | undefined;
  /** Writes a new hash for where the page now is, without reloading it (a browse query). */
  replaceHash(hash: string): void;
  /** Something went wrong that the page cannot show itself. */
  problem(message: string | null): void;
}
