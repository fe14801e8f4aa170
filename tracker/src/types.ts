/** The event types of the wire contract (src/contract/event-schema.ts). */
export type EventType = 'page_view' | 'click' | 'form_submit' | 'mouse_move' | 'custom';

/** One event as the tracker sends it: the contract's common fields plus the type's own. */
export interface PulseEvent {
  type: EventType;
  event_id: string;
  site: string;
  user_id: string;
  session_id: string;
  url: string;
  ts: string;
  [field: string]: unknown;
}

/** What the tracker needs from localStorage; a memory stand-in takes over when storage is blocked. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** localStorage keys; the values are the tracker's only traces in the browser. */
export const storageKeys = {
  user: 'pulse:uid',
  identified: 'pulse:id',
  session: 'pulse:sid',
  queue: 'pulse:q',
  optOut: 'pulse:optout',
} as const;
