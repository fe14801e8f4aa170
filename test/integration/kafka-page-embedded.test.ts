import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedBus } from '../../src/bus/embedded/index.ts';
import { silentLogger } from '../helpers/embedded-bus.ts';
import { defineKafkaPageSuite, fillThroughBus } from '../helpers/kafka-page-suite.ts';

// The Kafka page on the embedded log: one broker (this process), its partitions read through the segment index.
defineKafkaPageSuite(
  'Kafka page API on the embedded bus',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pulse-kafka-page-'));
    const bus = await createEmbeddedBus({ dir, logger: silentLogger, retention: { maxRecordsPerPartition: 2_000_000 } });
    return {
      kind: 'embedded',
      bus,
      admin: bus.clusterAdmin({ host: '127.0.0.1', port: 8080 }),
      fill: (topic, count) => fillThroughBus(bus, topic, count),
      async close() {
        await bus.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  { bigRecords: 1_000_000 },
);
