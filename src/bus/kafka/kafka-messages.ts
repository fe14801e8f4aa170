import type { OutgoingRecord } from '../bus.ts';
import { murmur2, partitionForKey, toPositive } from '../partitioner.ts';

/** A record as @platformatic/kafka's producer takes it: bytes everywhere, the partition chosen. */
export interface KafkaMessage {
  topic: string;
  partition: number;
  key?: Buffer;
  /** Absent: Kafka's tombstone (null), which compaction treats as a deletion. */
  value?: Buffer;
  headers: Map<Buffer, Buffer>;
}

/** Header names are few and fixed by the code that produces; their bytes are made once. */
const NAME_LIMIT = 256;
const headerNames = new Map<string, Buffer>();
const nameBytes = (name: string): Buffer => {
  let bytes = headerNames.get(name);
  if (bytes === undefined) {
    bytes = Buffer.from(name);
    if (headerNames.size < NAME_LIMIT) headerNames.set(name, bytes);
  }
  return bytes;
};

/**
 * Turns one produce request's records into the client's messages, choosing each one's partition as
 * the Java client does: the record's own, else murmur2 of its key, else the next one of its topic in
 * turn (`roundRobin`, kept by the caller across requests). This runs for every record ingest writes,
 * so the key's bytes are made once (for the partitioner and the message), and a header value that
 * repeats within the request (event type, site) is encoded once per request, not once per record.
 * The client copies the bytes into the request, so sharing one Buffer between messages is safe.
 */
export function toKafkaMessages(
  records: readonly OutgoingRecord[],
  partitionsOf: (topic: string) => number,
  roundRobin: Map<string, number>,
): KafkaMessage[] {
  const values = new Map<string, Buffer>();
  const valueBytes = (value: string): Buffer => {
    let bytes = values.get(value);
    if (bytes === undefined) {
      bytes = Buffer.from(value);
      values.set(value, bytes);
    }
    return bytes;
  };
  const messages: KafkaMessage[] = [];
  for (const record of records) {
    const key = record.key === undefined ? undefined : Buffer.from(record.key);
    const partitions = partitionsOf(record.topic);
    let partition: number;
    if (record.partition !== undefined) partition = record.partition;
    else if (key !== undefined) {
      // The same answer as partitionForKey(record.key), from the bytes made for the message anyway.
      partition =
        Number.isInteger(partitions) && partitions >= 1
          ? toPositive(murmur2(key)) % partitions
          : partitionForKey(record.key ?? '', partitions);
    } else {
      const next = roundRobin.get(record.topic) ?? 0;
      roundRobin.set(record.topic, next + 1);
      partition = next % partitions;
    }
    const headers = new Map<Buffer, Buffer>();
    if (record.headers !== undefined) {
      for (const name of Object.keys(record.headers)) headers.set(nameBytes(name), valueBytes(record.headers[name] as string));
    }
    const message: KafkaMessage = { topic: record.topic, partition, headers };
    if (key !== undefined) message.key = key;
    if (record.value !== null) message.value = typeof record.value === 'string' ? Buffer.from(record.value) : record.value;
    messages.push(message);
  }
  return messages;
}
