import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Bus, BusRecord } from '../../src/bus/bus.ts';
import { createKafkaBus } from '../../src/bus/kafka/kafka-bus.ts';
import { partitionForKey } from '../../src/bus/partitioner.ts';
import { topics } from '../../src/bus/topics.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createVirtualClock, systemClock, type Clock } from '../../src/generator/clock.ts';
import { createLoadGenerator, type Strategy } from '../../src/generator/generator.ts';
import { partitionFor, planEvents, type PlannedEvent } from '../../src/generator/plan.ts';
import { runGenerator } from '../../src/generator/run.ts';
import { openGeneratorTarget } from '../../src/runtime/generator-target.ts';
import { createKafkaTarget, kafkaRecord } from '../../src/generator/targets.ts';
import { PulseError, errorCodes } from '../../src/shared/errors.ts';
import { decodeEvent } from '../../src/workers/decode-event.ts';
import { capturingLogger } from '../unit/generator/fakes.ts';
import { endOffsets, readTopicSince } from '../helpers/read-topic.ts';
import { kafkaBrokers } from '../helpers/services.ts';
import { deleteKafkaTopics } from '../helpers/kafka-topics.ts';

const config = loadConfig({ PULSE_KAFKA_BROKERS: kafkaBrokers, PULSE_LOG_LEVEL: 'silent' });
const newBus = (brokers = kafkaBrokers.split(','), requestTimeoutMs?: number): Bus =>
  createKafkaBus({
    brokers,
    clientId: `test-gen-${randomUUID().slice(0, 8)}`,
    ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
  });

const ofRun = (records: BusRecord[], run: string) => records.filter((r) => r.headers['generator-run'] === run);
const partitionCount = async (bus: Bus, topic: string) => (await bus.listTopics()).find((t) => t.name === topic)?.partitions.length ?? 0;

/** Every record read back is the plan's record, bit for bit (the send time aside), on the planned partition. */
function assertMatchesPlan(records: BusRecord[], plan: PlannedEvent[], topic: string, partitions: number, run: string): void {
  assert.deepEqual(
    records.map((r) => Number(r.headers['generator-seq'])).sort((a, b) => a - b),
    plan.map((e) => e.seq),
    'each planned record exactly once',
  );
  for (const record of records) {
    const entry = plan[Number(record.headers['generator-seq'])] as PlannedEvent;
    const text = record.value.toString('utf8');
    const receivedAt =
      entry.invalid === 'not_json' ? '2025-01-01T00:00:00.000Z' : (JSON.parse(text) as { received_at: string }).received_at;
    const expected = kafkaRecord(entry, { topic, partitions, now: new Date(receivedAt), run });
    assert.equal(text, expected.value, `value of record ${entry.seq}`);
    assert.equal(record.key, entry.pageId);
    assert.deepEqual(record.headers, expected.headers);
    assert.equal(
      record.partition,
      partitionFor(entry, partitions) ?? partitionForKey(entry.pageId, partitions),
      `partition of ${entry.seq}`,
    );
    assert.equal(decodeEvent(record).kind === 'ok', entry.invalid === null, `workers accept record ${entry.seq} iff it is valid`);
  }
}

describe('pulse generate → Kafka (page-views)', () => {
  let bus: Bus;
  before(() => {
    bus = newBus();
  });
  const created: string[] = [];
  after(async () => {
    await bus.close();
    await deleteKafkaTopics(created);
  });

  for (const [strategy, count] of [
    ['sync', 150],
    ['async', 600],
    ['batch', 600],
  ] as [Strategy, number][]) {
    test(`${strategy}: a bounded run's records read back match the plan exactly`, async () => {
      const run = `it-${strategy}-${randomUUID().slice(0, 8)}`;
      await bus.ensureTopics([{ name: topics.pageViews, partitions: config.PULSE_PARTITIONS }]);
      const since = await endOffsets(bus, topics.pageViews);
      const final = await runGenerator(
        { target: 'kafka', seed: 77, plan: { idPrefix: run }, mode: 'regular', eps: 2000, count, strategy, batchSize: 64 },
        { openTarget: (spec) => openGeneratorTarget(spec, { config, logger: capturingLogger().logger }), logger: capturingLogger().logger },
      );
      assert.deepEqual([final.sent, final.acked, final.failed], [count, count, 0]);
      const plan = planEvents(77, count, { idPrefix: run });
      const records = ofRun(await readTopicSince(bus, topics.pageViews, since, count, { settleMs: 500 }), run);
      const partitions = await partitionCount(bus, topics.pageViews);
      assertMatchesPlan(records, plan, topics.pageViews, partitions, run);
      assert.equal(final.duplicates, plan.filter((e) => e.duplicateOf !== null).length);
      assert.equal(final.invalid, plan.filter((e) => e.invalid !== null && e.duplicateOf === null).length);
      if (strategy === 'sync') {
        for (let p = 0; p < partitions; p += 1) {
          const seqs = records.filter((r) => r.partition === p).map((r) => Number(r.headers['generator-seq']));
          assert.deepEqual(
            seqs,
            [...seqs].sort((a, b) => a - b),
            `partition ${p} in plan order`,
          );
        }
      }
    });
  }

  test('partition strategies hold 70/20/10 on a 6-partition topic; keyed records follow murmur2(page_id)', async () => {
    const topic = `test-gen-partitions-${randomUUID()}`;
    created.push(topic);
    await bus.ensureTopics([{ name: topic, partitions: 6 }]);
    const run = `it-part-${randomUUID().slice(0, 8)}`;
    const count = 3000;
    const final = await runGenerator(
      { target: 'kafka', topic, seed: 5, plan: { idPrefix: run }, mode: 'regular', eps: 20_000, count, strategy: 'async' },
      { openTarget: (spec) => openGeneratorTarget(spec, { config, logger: capturingLogger().logger }), logger: capturingLogger().logger },
    );
    const records = ofRun(await readTopicSince(bus, topic, new Map(), count, { settleMs: 500 }), run);
    assert.equal(records.length, count);
    const by = (strategy: string) => records.filter((r) => r.headers['generator-partitioning'] === strategy);
    const share = (strategy: string) => (by(strategy).length / count) * 100;
    for (const [strategy, expected] of [
      ['key', 70],
      ['round-robin', 20],
      ['random', 10],
    ] as const) {
      assert.ok(Math.abs(share(strategy) - expected) <= 2, `${strategy}: ${share(strategy).toFixed(1)}% vs ${expected}%`);
      assert.equal(final.partitioning[strategy], by(strategy).length, `/status counts ${strategy}`);
    }
    for (const record of by('key')) assert.equal(record.partition, partitionForKey(record.key ?? '', 6));
    // Repeats go where their original went; the cycle itself is over first sends.
    const plan = planEvents(5, count, { idPrefix: run });
    const firstSends = (rs: BusRecord[]) => rs.filter((r) => plan[Number(r.headers['generator-seq'])]?.duplicateOf === null);
    const rr = new Map<number, number>();
    for (const record of firstSends(by('round-robin'))) rr.set(record.partition, (rr.get(record.partition) ?? 0) + 1);
    assert.equal(rr.size, 6);
    assert.ok(Math.max(...rr.values()) - Math.min(...rr.values()) <= 1, `round-robin evenly: ${[...rr.values()].join(',')}`);
    assert.equal(new Set(by('random').map((r) => r.partition)).size, 6);
    const perPartition = Object.fromEntries(
      Array.from({ length: 6 }, (_, p) => [String(p), records.filter((r) => r.partition === p).length]),
    );
    assert.deepEqual(final.partitions, perPartition, '/status counts per partition what Kafka acknowledged');
  });
});

describe('a broker that is down', () => {
  /** The clock of the run, recording the back-off waits. */
  const recordingClock = (): Clock & { waits: number[] } => {
    const waits: number[] = [];
    return { now: systemClock.now, sleep: (ms) => (waits.push(ms), systemClock.sleep(ms)), waits };
  };

  test('the real Kafka adapter at an unreachable address: 5 attempts per record, then failed and logged, within bounds', async () => {
    const deadBus = newBus(['127.0.0.1:1'], 1000);
    const { logger, lines } = capturingLogger();
    const clock = recordingClock();
    const generator = createLoadGenerator(
      { seed: 1, mode: 'regular', eps: 100, count: 2, strategy: 'sync', retry: { attempts: 5, baseMs: 30, maxMs: 100 } },
      { target: createKafkaTarget({ bus: deadBus, topic: topics.pageViews, partitions: 3, run: 'dead' }), logger, clock },
    );
    const started = Date.now();
    const final = await generator.run();
    await deadBus.close();
    assert.ok(Date.now() - started < 30_000, `gave up in ${Date.now() - started} ms`);
    assert.deepEqual([final.acked, final.failed, final.retries], [0, 2, 8]);
    assert.deepEqual(
      clock.waits.filter((ms) => ms >= 30),
      [30, 60, 100, 100, 30, 60, 100, 100],
      'waits 30, 60, then capped at 100 ms — for each record (the loop ticks every 20 ms)',
    );
    const failures = lines.filter((l) => l['msg'] === 'records failed');
    assert.equal(failures.length, 2);
    assert.ok(failures.every((l) => l['attempts'] === 5));
  });

  test('opening the Kafka target against an unreachable broker fails after the last attempt', async () => {
    const deadBus = newBus(['127.0.0.1:1'], 500);
    const started = Date.now();
    await assert.rejects(
      openGeneratorTarget(
        { target: 'kafka', run: 'dead' },
        { config, logger: capturingLogger().logger, bus: deadBus, clock: createVirtualClock() },
      ),
    );
    await deadBus.close();
    assert.ok(Date.now() - started < 30_000);
  });

  test('sends back off while the broker is down, then succeed when it returns; the records are in Kafka once', async () => {
    const real = newBus();
    const dead = newBus(['127.0.0.1:1'], 500);
    let failures = 0;
    // The broker "returns" after three refused produce calls: the first from the real adapter at a dead address.
    const flaky: Bus = {
      ...real,
      produce: async (records) => {
        if (failures < 3) {
          failures += 1;
          if (failures === 1) return dead.produce(records);
          throw new PulseError(errorCodes.BUS_UNAVAILABLE, 'broker down', { retriable: true });
        }
        return real.produce(records);
      },
    };
    const run = `it-return-${randomUUID().slice(0, 8)}`;
    const since = await endOffsets(real, topics.pageViews);
    const clock = recordingClock();
    const partitions = await partitionCount(real, topics.pageViews);
    const generator = createLoadGenerator(
      {
        seed: 3,
        plan: { idPrefix: run },
        mode: 'regular',
        eps: 1000,
        count: 20,
        strategy: 'sync',
        retry: { attempts: 5, baseMs: 100, maxMs: 30_000 },
      },
      { target: createKafkaTarget({ bus: flaky, topic: topics.pageViews, partitions, run }), logger: capturingLogger().logger, clock },
    );
    const final = await generator.run();
    assert.deepEqual([final.acked, final.failed, final.retries], [20, 0, 3]);
    assert.deepEqual(
      clock.waits.filter((ms) => ms >= 100),
      [100, 200, 400],
    );
    const records = ofRun(await readTopicSince(real, topics.pageViews, since, 20, { settleMs: 500 }), run);
    assertMatchesPlan(records, planEvents(3, 20, { idPrefix: run }), topics.pageViews, partitions, run);
    await dead.close();
    await real.close();
  });
});
