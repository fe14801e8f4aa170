import type { Config } from '../config/config.ts';
import type { EventType } from '../contract/event-schema.ts';
import type { TopicSpec } from './bus.ts';

/** The topics of the event pipeline; names kept from the original requirement documents. */
export interface TopicNames {
  /** PULSE_TOPIC_PREFIX: also in front of the consumer groups reading these topics. */
  prefix: string;
  userActivity: string;
  mouseCoordinates: string;
  pageViews: string;
  /** The marketplace (seed 003): the shop's catalog changes, keyed by product id. */
  products: string;
  /** Products that passed the banned-products filter; compacted, a tombstone withdraws one. */
  filteredProducts: string;
  /** The ban rules, keyed by rule; compacted, a tombstone lifts a ban. */
  bannedProducts: string;
  /** Every search and recommendation request of the client API. */
  clientQueries: string;
  /** Per-category figures, keyed by category; compacted. */
  recommendations: string;
}

/** The names with PULSE_TOPIC_PREFIX in front (none by default). */
export function topicNames(prefix = ''): TopicNames {
  return {
    prefix,
    userActivity: `${prefix}user-activity`,
    mouseCoordinates: `${prefix}mouse-coordinates`,
    pageViews: `${prefix}page-views`,
    products: `${prefix}products`,
    filteredProducts: `${prefix}filtered-products`,
    bannedProducts: `${prefix}banned-products`,
    clientQueries: `${prefix}client-queries`,
    recommendations: `${prefix}recommendations`,
  };
}

/** The default names, for code and documents that speak of the standard installation. */
export const topics: TopicNames = topicNames();

export const dlqOf = (topic: string): string => `${topic}.dlq`;

/** Cursor positions are high-volume and read by other consumers, so they get a topic of their own. */
export function topicForEvent(type: EventType, names: TopicNames = topics): string {
  return type === 'mouse_move' ? names.mouseCoordinates : names.userActivity;
}

const WEEK_MS = String(7 * 24 * 3600 * 1000);
const MONTH_MS = String(30 * 24 * 3600 * 1000);

/** The specs of some of Pulse's topics (a worker ensures only what it reads and dead-letters to). */
export function topicSpecsOf(config: Config, names: readonly string[]): TopicSpec[] {
  const wanted = new Set(names.flatMap((name) => [name, dlqOf(name)]));
  return [...ingestTopicSpecs(config), ...shopTopicSpecs(config)].filter((spec) => wanted.has(spec.name));
}

/**
 * The marketplace's topics. Catalog-like topics are compacted (the latest value per key is kept
 * for good, so a new reader rebuilds the whole state from the start); the query log is a stream.
 */
export function shopTopicSpecs(config: Config): TopicSpec[] {
  const base = { partitions: config.PULSE_PARTITIONS, replicas: config.PULSE_REPLICATION_FACTOR };
  const names = topicNames(config.PULSE_TOPIC_PREFIX);
  const compact = { 'cleanup.policy': 'compact' };
  const dlq = (name: string): TopicSpec => ({ name: dlqOf(name), ...base, config: { 'retention.ms': MONTH_MS } });
  return [
    { name: names.products, ...base, config: compact },
    dlq(names.products),
    { name: names.filteredProducts, ...base, config: compact },
    dlq(names.filteredProducts),
    // One partition: the rules are few, and one order of bans and unbans is easiest to reason about.
    { name: names.bannedProducts, ...base, partitions: 1, config: compact },
    { name: names.clientQueries, ...base, config: { 'retention.ms': MONTH_MS } },
    dlq(names.clientQueries),
    { name: names.recommendations, ...base, config: compact },
  ];
}

export function ingestTopicSpecs(config: Config): TopicSpec[] {
  const base = { partitions: config.PULSE_PARTITIONS, replicas: config.PULSE_REPLICATION_FACTOR };
  const names = topicNames(config.PULSE_TOPIC_PREFIX);
  return [names.userActivity, names.mouseCoordinates, names.pageViews].flatMap((name) => [
    { name, ...base, config: { 'retention.ms': WEEK_MS } },
    { name: dlqOf(name), ...base, config: { 'retention.ms': String(30 * 24 * 3600 * 1000) } },
  ]);
}
