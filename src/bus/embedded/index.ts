export { createEmbeddedBus } from './embedded-bus.ts';
export type { EmbeddedBusWithAdmin } from './embedded-bus.ts';
export type { EmbeddedBrokerAddress } from './embedded-admin.ts';
export { EmbeddedBusError, embeddedBusErrorReasons } from './errors.ts';
export type { EmbeddedBusErrorReason } from './errors.ts';
export { embeddedBusDefaults } from './options.ts';
export type { EmbeddedBusLogger, EmbeddedBusOptions } from './options.ts';
