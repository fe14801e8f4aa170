import { topics as standardTopics, type TopicNames } from '../../bus/topics.ts';
import type { EnrichedEvent } from '../../contract/event-schema.ts';
import { decodeEventWith, type DecodeOptions } from '../decode-event.ts';
import type { WorkerDefinition } from '../worker-runner.ts';
import type { Warehouse } from '../../stores/warehouse/warehouse.ts';

/** Tracked events and the generator's page views; cursor positions stay in the realtime store. */
export const warehouseTopics = (topics: TopicNames = standardTopics): string[] => [topics.userActivity, topics.pageViews];

export const warehouseGroup = (kind: Warehouse['kind']): string => `pulse-warehouse-${kind === 'pglite' ? 'postgres' : kind}`;

const RAW_LIMIT = 64 * 1024;

/** History: every valid event stored once; refused records kept in processing_errors with the reason. */
export function warehouseWorker(
  warehouse: Warehouse,
  topics: TopicNames = standardTopics,
  decode: DecodeOptions = {},
): WorkerDefinition<EnrichedEvent> {
  return {
    name: `warehouse-${warehouse.kind}`,
    group: `${topics.prefix}${warehouseGroup(warehouse.kind)}`,
    topics: warehouseTopics(topics),
    decode: decodeEventWith(decode),
    sink: async (events) => {
      await warehouse.writeEvents(events);
    },
    eventTime: (event) => Date.parse(event.received_at),
    recordRejects: (rejects) =>
      warehouse.writeErrors(
        rejects.map(({ record, reason }) => ({
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          reason,
          raw: record.value.toString('utf8').slice(0, RAW_LIMIT),
          at: Date.now(),
        })),
      ),
  };
}
