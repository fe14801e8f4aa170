import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ProtocolError } from '@platformatic/kafka';
import type { Bus } from '../../src/bus/bus.ts';
import { busError } from '../../src/bus/kafka/kafka-errors.ts';
import { createKafkaBus } from '../../src/bus/kafka/kafka-bus.ts';
import { topicNames, ingestTopicSpecs } from '../../src/bus/topics.ts';
import { ingestSettings } from '../../src/config/ingest-settings.ts';
import { buildIngestApp } from '../../src/ingest/ingest-app.ts';
import { createIngestMetrics } from '../../src/ingest/ingest-metrics.ts';
import { errorCodes, isPulseError } from '../../src/shared/errors.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { CHROME_UA, pageView } from '../helpers/events.ts';
import { suiteConfig } from '../helpers/ingest-suite.ts';
import { kafkaBrokers } from '../helpers/services.ts';
import { deleteKafkaTopics } from '../helpers/kafka-topics.ts';

/** Kafka refuses records over its message.max.bytes (1 MiB by default). */
const OVERSIZED = 1_500_000;
const prefix = `kafka-errors-${randomUUID().slice(0, 8)}.`;
let bus: Bus;
const created: string[] = [];

before(() => {
  bus = createKafkaBus({ brokers: kafkaBrokers.split(','), clientId: `test-${randomUUID().slice(0, 8)}` });
});

after(async () => {
  await bus.close();
  await deleteKafkaTopics(created);
});

test('a record the broker refuses as too large is BUS_INVALID_RECORD, not retriable, and the bus keeps working', async () => {
  const topic = `${prefix}big`;
  created.push(topic);
  await bus.ensureTopics([{ name: topic, partitions: 1 }]);
  await assert.rejects(
    bus.produce([{ topic, key: 'k', value: Buffer.alloc(OVERSIZED, 'x') }]),
    (error: unknown) => isPulseError(error, errorCodes.BUS_INVALID_RECORD) && !error.retriable && /MESSAGE_TOO_LARGE/.test(error.message),
  );
  const [produced] = await bus.produce([{ topic, key: 'k', value: 'small' }]);
  assert.equal(produced?.offset, 0, 'the next record is the first in the topic');
});

test('ingest on Kafka answers 413 record_too_large for an event Kafka refuses, and 202 for the next one', async () => {
  const config = suiteConfig({
    PULSE_TOPIC_PREFIX: prefix,
    PULSE_MAX_BODY_BYTES: String(4 * OVERSIZED),
    PULSE_PRODUCE_TIMEOUT_MS: '10000',
  });
  const specs = ingestTopicSpecs(config);
  created.push(...specs.map((s) => s.name));
  await bus.ensureTopics(specs);
  const app = await buildIngestApp({
    bus,
    settings: ingestSettings(config),
    logger: createLogger('silent', 'test'),
    metrics: createIngestMetrics(),
  });
  try {
    const post = (event: Record<string, unknown>) =>
      app.inject({
        method: 'POST',
        url: '/api/events',
        headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA },
        payload: event,
      });
    const huge = await post(pageView({ props: { blob: 'x'.repeat(OVERSIZED) } }));
    assert.equal(huge.statusCode, 413, huge.body);
    assert.equal(huge.json<{ error: string }>().error, 'record_too_large');
    const fine = await post(pageView());
    assert.equal(fine.statusCode, 202, fine.body);
    const topic = (await bus.listTopics()).find((t) => t.name === topicNames(prefix).userActivity);
    assert.equal(
      topic?.partitions.reduce((sum, p) => sum + p.endOffset, 0),
      1,
      'only the accepted event is in the topic',
    );
  } finally {
    await app.close();
  }
});

test('deleting a consumer group with a live member is BUS_GROUP_ACTIVE; a group that never existed is nothing to delete', async () => {
  const topic = `${prefix}grouped`;
  created.push(topic);
  await bus.ensureTopics([{ name: topic, partitions: 1 }]);
  const group = `${prefix}group`;
  const member = await bus.subscribe({ group, topics: [topic], from: 'earliest' });
  try {
    await bus.produce([{ topic, value: 'one' }]);
    const records = await member.poll(10, 5000);
    await member.commit(records);
    await assert.rejects(bus.deleteGroup(group), (error: unknown) => isPulseError(error, errorCodes.BUS_GROUP_ACTIVE));
  } finally {
    await member.close();
  }
  await bus.deleteGroup(group);
  await bus.deleteGroup(`${prefix}never-existed`);
});

test("the client's own error codes decide the mapping", () => {
  const tooLarge = busError(new ProtocolError('MESSAGE_TOO_LARGE'), 'produce');
  assert.equal(tooLarge.code, errorCodes.BUS_INVALID_RECORD);
  assert.equal(tooLarge.retriable, false);
  const leaderMoved = busError(new ProtocolError('NOT_LEADER_OR_FOLLOWER'), 'produce');
  assert.equal(leaderMoved.code, errorCodes.BUS_UNAVAILABLE);
  assert.equal(leaderMoved.retriable, true);
  const denied = busError(new ProtocolError('TOPIC_AUTHORIZATION_FAILED'), 'produce');
  assert.equal(denied.code, errorCodes.BUS_UNAUTHORIZED);
  assert.equal(denied.retriable, false);
  const network = busError(new Error('socket hang up'), 'produce');
  assert.equal(network.code, errorCodes.BUS_UNAVAILABLE);
  assert.equal(network.retriable, true);
});

test('processes creating the same topics at once all succeed (one creates them, the others find them made)', async () => {
  const names = Array.from({ length: 4 }, (_, i) => `race-${randomUUID().slice(0, 8)}-${i}`);
  const buses = Array.from({ length: 5 }, (_, i) => createKafkaBus({ brokers: kafkaBrokers.split(','), clientId: `test-race-${i}` }));
  try {
    await Promise.all(
      buses.map((bus) => bus.ensureTopics(names.map((name) => ({ name, partitions: 2, config: { 'cleanup.policy': 'compact' } })))),
    );
    const listed = (await buses[0]?.listTopics())?.filter((t) => names.includes(t.name)) ?? [];
    assert.deepEqual(listed.map((t) => [t.name, t.partitions.length]).sort(), names.map((name) => [name, 2]).sort());
  } finally {
    await Promise.all(buses.map((bus) => bus.close()));
    await deleteKafkaTopics(names);
  }
});
