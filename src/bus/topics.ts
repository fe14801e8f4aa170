import type { Config } from '../config/config.ts';
import type { EventType } from '../contract/event-schema.ts';
import type { TopicSpec } from './bus.ts';

/** Topic names kept from the original requirement documents. */
export const topics = {
  userActivity: 'user-activity',
  mouseCoordinates: 'mouse-coordinates',
  pageViews: 'page-views',
} as const;

export const dlqOf = (topic: string): string => `${topic}.dlq`;

/** Cursor positions are high-volume and read by other consumers, so they get a topic of their own. */
export function topicForEvent(type: EventType): string {
  return type === 'mouse_move' ? topics.mouseCoordinates : topics.userActivity;
}

const WEEK_MS = String(7 * 24 * 3600 * 1000);

export function ingestTopicSpecs(config: Config): TopicSpec[] {
  const base = { partitions: config.PULSE_PARTITIONS, replicas: config.PULSE_REPLICATION_FACTOR };
  return [topics.userActivity, topics.mouseCoordinates, topics.pageViews].flatMap((name) => [
    { name, ...base, config: { 'retention.ms': WEEK_MS } },
    { name: dlqOf(name), ...base, config: { 'retention.ms': String(30 * 24 * 3600 * 1000) } },
  ]);
}
