import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { createKafkaBus } from '../../src/bus/kafka/kafka-bus.ts';
import { createKafkaClusterAdmin } from '../../src/bus/kafka/kafka-cluster-admin.ts';
import { deleteKafkaTopics } from '../helpers/kafka-topics.ts';
import { kafkaBrokers } from '../helpers/services.ts';

/**
 * Reads of several partitions asked for at once go to the broker as one Fetch. A broker returns a
 * record batch larger than a partition's byte budget only for the first partition of a Fetch
 * (KIP-74): records produced in large batches used to come back empty for the others, and the
 * Kafka page's browser skipped them. Every read must return its records whatever the batch size.
 */
test('reads of three partitions at once each return their records, though each partition holds one large record batch', async () => {
  const brokers = kafkaBrokers.split(',');
  const topic = `test-partition-reader-${randomUUID().slice(0, 8)}`;
  const bus = createKafkaBus({ brokers, clientId: 'test-partition-reader' });
  const admin = createKafkaClusterAdmin({ brokers, clientId: 'test-partition-reader' });
  try {
    await bus.ensureTopics([{ name: topic, partitions: 3, replicas: 1 }]);
    // One produce call: each partition gets its 20,000 records in as few batches as the producer makes (well over 64 KiB each).
    const perPartition = 20_000;
    const value = 'x'.repeat(40);
    await bus.produce(
      Array.from({ length: perPartition * 3 }, (_, i) => ({ topic, partition: i % 3, key: `k-${i}`, value: `{"i":${i},"v":"${value}"}` })),
    );
    const from = perPartition - 50;
    const reads = await Promise.all([0, 1, 2].map((partition) => admin.read(topic, partition, from, 50)));
    for (const [partition, records] of reads.entries()) {
      assert.deepEqual(
        records.map((r) => r.offset),
        Array.from({ length: 50 }, (_, i) => from + i),
        `partition ${partition}`,
      );
      assert.deepEqual(JSON.parse(records[0]?.value.toString() ?? 'null'), { i: from * 3 + partition, v: value });
    }
  } finally {
    await Promise.allSettled([admin.close(), bus.close()]);
    await deleteKafkaTopics([topic]);
  }
});
