/**
 * Produce throughput on one broker, same run, same topic settings:
 * Kafka's own ProducerPerformance (Java) beside Pulse's Kafka adapter and the
 * Node.js clients it was chosen from. 200-byte records, acks=all, idempotent.
 */
import { Producer, ProduceAcks } from '@platformatic/kafka';
import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { createKafkaBus } from '../src/bus/kafka/kafka-bus.ts';
import { kafkaBrokers } from '../test/helpers/services.ts';
import { producerPerformance } from './producer-performance.ts';
import { machine, writeSection } from './report.ts';

const RECORDS = Number(process.env['BENCH_RECORDS'] ?? 200_000);
const SIZE = 200;
const PARTITIONS = 3;
const brokers = kafkaBrokers.split(',');
const payload = randomBytes(SIZE / 2).toString('hex'); // 200 ASCII bytes

interface Result {
  name: string;
  setup: string;
  recordsPerSecond: number;
  mbPerSecond: number;
}

const result = (name: string, setup: string, records: number, ms: number): Result => ({
  name,
  setup,
  recordsPerSecond: Math.round((records / ms) * 1000),
  mbPerSecond: Math.round(((records * SIZE) / ms / 1000) * 100) / 100,
});

/** Prints `name: done/total` once a second while a producer runs. */
function showProgress(name: string, done: () => number): () => void {
  const timer = setInterval(() => process.stderr.write(`\r  ${name}: ${done()}/${RECORDS}   `), 1000);
  return () => clearInterval(timer);
}

async function newTopic(bus: ReturnType<typeof createKafkaBus>): Promise<string> {
  const name = `bench-produce-${randomUUID().slice(0, 8)}`;
  await bus.ensureTopics([{ name, partitions: PARTITIONS }]);
  return name;
}

async function javaPerfTest(topic: string): Promise<Result> {
  const { recordsPerSecond } = await producerPerformance(topic, RECORDS, SIZE);
  return {
    name: 'kafka-producer-perf-test (Java client)',
    setup: 'ProducerPerformance, defaults (batch.size 16 KiB, linger 5 ms)',
    recordsPerSecond: Math.round(recordsPerSecond),
    mbPerSecond: Math.round(((recordsPerSecond * SIZE) / 1e6) * 100) / 100,
  };
}

/** Pulse's adapter as ingest uses it: many concurrent callers, each awaiting its own acknowledgement. */
async function pulseAdapter(topic: string, perCall: number, inFlight: number): Promise<Result> {
  const bus = createKafkaBus({ brokers, clientId: 'bench-pulse' });
  await bus.produce([{ topic, value: payload }]); // connect and init the idempotent producer outside the clock
  let sent = 0;
  const stop = showProgress('pulse', () => sent);
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (sent < RECORDS) {
      const n = Math.min(perCall, RECORDS - sent);
      sent += n;
      await bus.produce(Array.from({ length: n }, (_, i) => ({ topic, key: `user-${(sent + i) % 1000}`, value: payload })));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const ms = performance.now() - start;
  stop();
  await bus.close();
  return result(
    `Pulse Kafka adapter (@platformatic/kafka)`,
    `${perCall} record(s) per produce() call, ${inFlight} calls in flight`,
    RECORDS,
    ms,
  );
}

async function platformatic(topic: string, batch: number, inFlight: number): Promise<Result> {
  const producer = new Producer({ clientId: 'bench-plt', bootstrapBrokers: brokers, idempotent: true, acks: ProduceAcks.ALL });
  await producer.send({ messages: [{ topic, value: Buffer.from(payload) }] });
  let sent = 0;
  const value = Buffer.from(payload);
  const stop = showProgress('platformatic', () => sent);
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (sent < RECORDS) {
      const n = Math.min(batch, RECORDS - sent);
      sent += n;
      await producer.send({
        messages: Array.from({ length: n }, (_, i) => ({ topic, key: Buffer.from(`user-${(sent + i) % 1000}`), value })),
      });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const ms = performance.now() - start;
  stop();
  await producer.close();
  return result('@platformatic/kafka (bare)', `send() of ${batch} records, ${inFlight} in flight`, RECORDS, ms);
}

async function kafkajs(topic: string, batch: number): Promise<Result> {
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers, logLevel: logLevel.NOTHING });
  // kafkajs allows the idempotent producer only with one request in flight.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: [{ value: payload }] });
  let sent = 0;
  const stop = showProgress('kafkajs', () => sent);
  const start = performance.now();
  while (sent < RECORDS) {
    const n = Math.min(batch, RECORDS - sent);
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: n }, (_, i) => ({ key: `user-${(sent + i) % 1000}`, value: payload })),
    });
    sent += n;
  }
  const ms = performance.now() - start;
  stop();
  await producer.disconnect();
  return result('kafkajs 2.2.4', `send() of ${batch} records, 1 in flight (its idempotent limit)`, RECORDS, ms);
}

async function main(): Promise<void> {
  const admin = createKafkaBus({ brokers, clientId: 'bench-admin' });
  const results: Result[] = [];
  const run = async (label: string, task: (topic: string) => Promise<Result>): Promise<void> => {
    console.error(`- ${label}`);
    const r = await task(await newTopic(admin));
    process.stderr.write('\n');
    console.error(`  ${r.recordsPerSecond} records/s`);
    results.push(r);
  };
  await run('Java ProducerPerformance', javaPerfTest);
  await run('Pulse adapter, 1 record per call', (t) => pulseAdapter(t, 1, 512));
  await run('Pulse adapter, 50 records per call', (t) => pulseAdapter(t, 50, 64));
  await run('@platformatic/kafka bare', (t) => platformatic(t, 500, 4));
  await run('kafkajs', (t) => kafkajs(t, 500));
  await admin.close();

  const table = results
    .map((r) => `| ${r.name} | ${r.setup} | ${r.recordsPerSecond.toLocaleString('en-US')} | ${r.mbPerSecond} |`)
    .join('\n');
  await writeSection(
    'kafka-produce',
    `## Kafka produce throughput

${RECORDS.toLocaleString('en-US')} records of ${SIZE} bytes per client, acks=all, idempotent producer, a fresh ${PARTITIONS}-partition topic each,
one local KRaft broker (Kafka 4.1.2, \`scripts/stack\`), all in the same run.

- Date: ${new Date().toISOString().slice(0, 10)}
- Machine: ${machine()}
- Command: \`npm run bench -- kafka-produce\` (stack up first: \`npm run stack -- up\`; \`BENCH_RECORDS\` changes the count)

| producer | how it was driven | records/s | MB/s |
| --- | --- | ---: | ---: |
${table}
| @confluentinc/kafka-javascript | not measured: its install downloads a prebuilt binary from GitHub, and its source build downloads zlib/OpenSSL/zstd/curl; neither host is reachable here | — | — |

Client choice: **@platformatic/kafka**. It was the fastest Node.js client measured here (bare, it beat kafkajs by about 2×
at the same acks=all/idempotent settings, because kafkajs allows an idempotent producer only one request in flight), it is
pure TypeScript with no native build, and it is actively maintained (kafkajs has had no release since 2023).
@confluentinc/kafka-javascript could not be installed on this machine (see the table). Pulse's adapter adds per-caller
acknowledgement on top (see \`src/bus/kafka/produce-coalescer.ts\`): ingest answers each HTTP request only after its own
records are acknowledged, which costs throughput against one large \`send()\` but keeps "2xx means stored" true.
`,
  );
  console.log(table);
}

await main();
