export { createMemoryRealtimeStore } from './memory-realtime-store.ts';
export type { MemoryRealtimeStoreOptions } from './memory-realtime-store.ts';
