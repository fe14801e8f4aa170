export { createRedisRealtimeStore } from './redis-realtime-store.ts';
export type { RedisRealtimeStoreOptions } from './redis-realtime-store.ts';
export { rootOf, siteKeys } from './keys.ts';
export type { SiteKeys } from './keys.ts';
