import type { BusRecord } from './bus.ts';

/** JSON view of a record: values that are JSON are shown parsed, anything else as text; a tombstone's value is null. */
export function describeRecord(record: BusRecord): Record<string, unknown> {
  const text = record.value.toString('utf8');
  let value: unknown = record.tombstone === true ? null : text;
  if (record.tombstone !== true) {
    try {
      value = JSON.parse(text);
    } catch {
      // Not JSON (e.g. a malformed DLQ payload): keep the text.
    }
  }
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key,
    timestamp: new Date(record.timestamp).toISOString(),
    headers: record.headers,
    value,
  };
}
