import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kafkaBrokers, repoRoot } from '../test/helpers/services.ts';

/**
 * Kafka's own producer benchmark (org.apache.kafka.tools.ProducerPerformance, from the jars
 * scripts/stack downloads): `records` records of `recordSize` bytes to `topic`, as fast as it can,
 * acks=all with idempotence, its defaults otherwise (batch.size 16 KiB, linger 5 ms).
 */
export async function producerPerformance(
  topic: string,
  records: number,
  recordSize: number,
): Promise<{ recordsPerSecond: number; mbPerSecond: number }> {
  const { stdout } = await promisify(execFile)(
    'bash',
    [
      join(repoRoot, 'scripts', 'stack'),
      'kafka-class',
      'org.apache.kafka.tools.ProducerPerformance',
      '--topic',
      topic,
      '--num-records',
      String(records),
      '--record-size',
      String(recordSize),
      '--throughput',
      '-1',
      '--producer-props',
      `bootstrap.servers=${kafkaBrokers}`,
      'acks=all',
      'enable.idempotence=true',
    ],
    { maxBuffer: 10 * 2 ** 20 },
  );
  const summary = stdout.trim().split('\n').pop() ?? '';
  const match = /([\d.]+) records\/sec \(([\d.]+) MB\/sec\)/.exec(summary);
  if (match === null) throw new Error(`ProducerPerformance said: ${summary}`);
  return { recordsPerSecond: Number(match[1]), mbPerSecond: Number(match[2]) };
}
