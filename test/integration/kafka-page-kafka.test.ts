import { Admin } from '@platformatic/kafka';
import { createKafkaBus } from '../../src/bus/kafka/kafka-bus.ts';
import { createKafkaClusterAdmin } from '../../src/bus/kafka/kafka-cluster-admin.ts';
import { deleteKafkaTopics } from '../helpers/kafka-topics.ts';
import { defineKafkaPageSuite, fillKafkaTopic } from '../helpers/kafka-page-suite.ts';
import { kafkaBrokers } from '../helpers/services.ts';

// The Kafka page on the broker of `scripts/stack` (127.0.0.1:19092); the suite's topics and groups carry a unique prefix and are deleted after.
defineKafkaPageSuite(
  'Kafka page API on Kafka',
  async () => {
    const brokers = kafkaBrokers.split(',');
    const bus = createKafkaBus({ brokers, clientId: 'test-kafka-page' });
    const admin = createKafkaClusterAdmin({ brokers, clientId: 'test-kafka-page' });
    return {
      kind: 'kafka',
      bus,
      admin,
      fill: (topic, count) => fillKafkaTopic(brokers, topic, count),
      async close(topics, groups) {
        await Promise.allSettled([admin.close(), bus.close()]);
        await deleteKafkaTopics(topics);
        const cleanup = new Admin({ clientId: 'test-kafka-page-cleanup', bootstrapBrokers: brokers });
        try {
          const existing = new Set((await cleanup.listGroups()).keys());
          const mine = groups.filter((group) => existing.has(group));
          if (mine.length > 0) await cleanup.deleteGroups({ groups: mine });
        } finally {
          await cleanup.close();
        }
      },
    };
  },
  { bigRecords: 1_000_000 },
);
