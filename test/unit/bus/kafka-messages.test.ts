import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OutgoingRecord } from '../../../src/bus/bus.ts';
import { toKafkaMessages } from '../../../src/bus/kafka/kafka-messages.ts';
import { partitionForKey } from '../../../src/bus/partitioner.ts';

const text = (headers: Map<Buffer, Buffer>): Record<string, string> =>
  Object.fromEntries([...headers].map(([name, value]) => [name.toString(), value.toString()]));

test('keyed records go where Kafka’s partitioner sends their key, with key, value and headers as bytes', () => {
  const records: OutgoingRecord[] = Array.from({ length: 200 }, (_, i) => ({
    topic: 't',
    key: `user-${i}-ü`,
    value: `{"n":${i},"s":"é"}`,
    headers: { 'event-type': 'page_view', 'event-id': `id-${i}`, site: i % 2 === 0 ? 'a' : 'b' },
  }));
  const messages = toKafkaMessages(records, () => 7, new Map());
  assert.equal(messages.length, 200);
  messages.forEach((message, i) => {
    const record = records[i] as OutgoingRecord;
    assert.equal(message.topic, 't');
    assert.equal(message.partition, partitionForKey(record.key as string, 7));
    assert.equal(message.key?.toString(), record.key);
    assert.equal(message.value?.toString(), record.value);
    assert.deepEqual(text(message.headers), record.headers);
  });
});

test('an explicit partition wins; records without a key take the partitions in turn per topic, across calls', () => {
  const roundRobin = new Map<string, number>();
  const first = toKafkaMessages(
    [
      { topic: 'x', value: '1' },
      { topic: 'y', value: '1' },
      { topic: 'x', value: '2', partition: 2 },
      { topic: 'x', value: '3' },
    ],
    () => 3,
    roundRobin,
  );
  assert.deepEqual(
    first.map((m) => m.partition),
    [0, 0, 2, 1],
  );
  const second = toKafkaMessages(
    [
      { topic: 'x', value: '4' },
      { topic: 'x', value: '5' },
    ],
    () => 3,
    roundRobin,
  );
  assert.deepEqual(
    second.map((m) => m.partition),
    [2, 0],
  );
});

test('a null value is a tombstone (no value), a Buffer value is sent as it is, no headers is an empty map', () => {
  const bytes = Buffer.from([0, 1, 2, 255]);
  const [tombstone, binary] = toKafkaMessages(
    [
      { topic: 't', key: 'k', value: null },
      { topic: 't', value: bytes },
    ],
    () => 1,
    new Map(),
  );
  assert.equal(tombstone?.value, undefined);
  assert.equal('value' in (tombstone ?? {}), false);
  assert.equal(binary?.value, bytes);
  assert.equal(binary?.key, undefined);
  assert.equal(binary?.headers.size, 0);
});

test('an impossible partition count is refused as the partitioner refuses it', () => {
  assert.throws(() => toKafkaMessages([{ topic: 't', key: 'k', value: 'v' }], () => 0, new Map()), RangeError);
});
