import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { createKafkaBus } from '../../src/bus/kafka/kafka-bus.ts';
import { kafkaBrokers } from '../helpers/services.ts';
import { deleteKafkaTopics } from '../helpers/kafka-topics.ts';

// Regression: pulling with stream.read() left one partition stalled for good after ~95,000 of
// 100,000 records (seen in the realtime benchmark). Every record of a large backlog over two
// topics must arrive while the consumer is slower than the fetcher.
test('a slow consumer receives every record of a large backlog on every partition', { timeout: 180_000 }, async () => {
  const bus = createKafkaBus({ brokers: kafkaBrokers.split(','), clientId: 'test-backlog' });
  const id = randomUUID().slice(0, 8);
  const topics = [`backlog-a-${id}`, `backlog-b-${id}`];
  const perTopic = 50_000;
  try {
    await bus.ensureTopics(topics.map((name) => ({ name, partitions: 3 })));
    const padding = randomBytes(340).toString('hex');
    for (const topic of topics) {
      for (let i = 0; i < perTopic; i += 5000) {
        await bus.produce(Array.from({ length: 5000 }, (_, j) => ({ topic, key: `user-${(i + j) % 997}`, value: `${i + j}:${padding}` })));
      }
    }
    const subscription = await bus.subscribe({ group: `backlog-${id}`, topics, from: 'earliest' });
    const seen = new Map<string, Set<number>>(topics.map((t) => [t, new Set()]));
    const deadline = Date.now() + 120_000;
    let total = 0;
    while (total < 2 * perTopic && Date.now() < deadline) {
      const records = await subscription.poll(500, 500);
      for (const record of records) seen.get(record.topic)?.add(Number(record.value.toString().split(':')[0]));
      total = [...seen.values()].reduce((sum, set) => sum + set.size, 0);
      if (records.length > 0) await subscription.commit(records);
      await new Promise((resolve) => setTimeout(resolve, 2)); // slower than the fetcher: the buffer fills up
    }
    await subscription.close();
    for (const topic of topics) assert.equal(seen.get(topic)?.size, perTopic, `${topic}: every record once`);
    const lag = await bus.groupLag(`backlog-${id}`, topics);
    assert.equal(
      lag.reduce((sum, p) => sum + p.lag, 0),
      0,
    );
  } finally {
    await bus.close();
    await deleteKafkaTopics(topics);
  }
});

test('a null value is produced as a Kafka tombstone and read back as one', { timeout: 60_000 }, async () => {
  const bus = createKafkaBus({ brokers: kafkaBrokers.split(','), clientId: 'test-tombstone' });
  const topic = `tombstone-${randomUUID().slice(0, 8)}`;
  try {
    await bus.ensureTopics([{ name: topic, partitions: 1, config: { 'cleanup.policy': 'compact' } }]);
    await bus.produce([
      { topic, key: 'a', value: '1' },
      { topic, key: 'a', value: null },
      { topic, key: 'b', value: '' },
    ]);
    const subscription = await bus.subscribe({ group: `tombstone-${randomUUID()}`, topics: [topic], from: 'earliest' });
    const records = [];
    const deadline = Date.now() + 30_000;
    while (records.length < 3 && Date.now() < deadline) records.push(...(await subscription.poll(10, 500)));
    await subscription.close();
    assert.deepEqual(
      records.map((r) => [r.key, r.value.toString(), r.tombstone === true]),
      [
        ['a', '1', false],
        ['a', '', true],
        ['b', '', false],
      ],
      'an empty value is not a tombstone',
    );
  } finally {
    await bus.close();
    await deleteKafkaTopics([topic]);
  }
});
