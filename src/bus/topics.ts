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
}

/** The names with PULSE_TOPIC_PREFIX in front (none by default). */
export function topicNames(prefix = ''): TopicNames {
  return {
    prefix,
    userActivity: `${prefix}user-activity`,
    mouseCoordinates: `${prefix}mouse-coordinates`,
    pageViews: `${prefix}page-views`,
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

/** The specs of some of Pulse's topics (a worker ensures only what it reads and dead-letters to). */
export function topicSpecsOf(config: Config, names: readonly string[]): TopicSpec[] {
  const wanted = new Set(names.flatMap((name) => [name, dlqOf(name)]));
  return ingestTopicSpecs(config).filter((spec) => wanted.has(spec.name));
}

export function ingestTopicSpecs(config: Config): TopicSpec[] {
  const base = { partitions: config.PULSE_PARTITIONS, replicas: config.PULSE_REPLICATION_FACTOR };
  const names = topicNames(config.PULSE_TOPIC_PREFIX);
  return [names.userActivity, names.mouseCoordinates, names.pageViews].flatMap((name) => [
    { name, ...base, config: { 'retention.ms': WEEK_MS } },
    { name: dlqOf(name), ...base, config: { 'retention.ms': String(30 * 24 * 3600 * 1000) } },
  ]);
}
