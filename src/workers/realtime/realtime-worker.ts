import { topics as standardTopics, type TopicNames } from '../../bus/topics.ts';
import type { EnrichedEvent } from '../../contract/event-schema.ts';
import { decodeEventWith, type DecodeOptions } from '../decode-event.ts';
import type { WorkerDefinition } from '../worker-runner.ts';
import type { RealtimeStore } from '../../stores/realtime/realtime-store.ts';

export const REALTIME_GROUP = 'pulse-realtime';
export const realtimeTopics = (topics: TopicNames = standardTopics): string[] => [topics.userActivity, topics.mouseCoordinates];

/** Live aggregates: every tracked event and cursor position, applied once each to the realtime store. */
export function realtimeWorker(
  store: RealtimeStore,
  topics: TopicNames = standardTopics,
  decode: DecodeOptions = {},
): WorkerDefinition<EnrichedEvent> {
  return {
    name: 'realtime',
    group: `${topics.prefix}${REALTIME_GROUP}`,
    topics: realtimeTopics(topics),
    decode: decodeEventWith(decode),
    sink: async (events) => {
      await store.applyBatch(events);
    },
    eventTime: (event) => Date.parse(event.received_at),
  };
}
