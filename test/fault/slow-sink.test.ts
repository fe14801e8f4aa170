import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Bus, Subscription } from '../../src/bus/bus.ts';
import { createEmbeddedBus } from '../../src/bus/embedded/index.ts';
import { createKafkaBus } from '../../src/bus/kafka/kafka-bus.ts';
import { ok, pipeline } from '../../src/contract/outcome.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { parseRecordJson } from '../../src/workers/decode-event.ts';
import { startWorker, type WorkerDefinition } from '../../src/workers/worker-runner.ts';
import { silentLogger } from '../helpers/embedded-bus.ts';
import { deleteKafkaTopics } from '../helpers/kafka-topics.ts';
import { kafkaBrokers, waitFor } from '../helpers/services.ts';

const BATCH = 50;
const RECORDS = 4000;
/** While slow, one batch takes this long: at most 250 records/s against 2,000/s produced. */
const SLOW_BATCH_MS = 200;

/** What the worker loop holds: records polled from the bus and not yet committed back. */
interface Holding {
  polled: number;
  committed: number;
  /** The most records polled and not yet committed, at any moment. */
  maxHeld: number;
}

/** The bus as the worker sees it, counting what its subscriptions hand out and take back. */
function watched(bus: Bus, holding: Holding): Bus {
  const member = (inner: Subscription): Subscription => ({
    async poll(max, waitMs) {
      const records = await inner.poll(max, waitMs);
      holding.polled += records.length;
      holding.maxHeld = Math.max(holding.maxHeld, holding.polled - holding.committed);
      return records;
    },
    async commit(records) {
      await inner.commit(records);
      holding.committed += records.length;
    },
    close: () => inner.close(),
  });
  return {
    kind: bus.kind,
    produce: (records) => bus.produce(records),
    subscribe: async (options) => member(await bus.subscribe(options)),
    ensureTopics: (specs) => bus.ensureTopics(specs),
    listTopics: () => bus.listTopics(),
    groupLag: (group, topics) => bus.groupLag(group, topics),
    deleteGroup: (group) => bus.deleteGroup(group),
    ping: () => bus.ping(),
    close: () => bus.close(),
  };
}

const totalLag = async (bus: Bus, group: string, topic: string) => (await bus.groupLag(group, [topic])).reduce((sum, p) => sum + p.lag, 0);

/**
 * A worker whose sink takes SLOW_BATCH_MS a batch while a stream 8× faster than it arrives: the
 * backlog stays in the bus (lag grows), the loop holds at most three batches (one whose commit is in
 * flight, one being written, the next polled ahead), one sink call at a time;
 * once the sink is fast again every record is written exactly once.
 */
async function slowSinkScenario(t: TestContext, bus: Bus, topic: string, group: string): Promise<void> {
  const holding: Holding = { polled: 0, committed: 0, maxHeld: 0 };
  let delayMs = SLOW_BATCH_MS;
  let inSink = 0;
  let maxInSink = 0;
  let largestCall = 0;
  const written = new Map<string, number>();
  const definition: WorkerDefinition<{ id: string }> = {
    name: 'slow-sink',
    group,
    topics: [topic],
    decode: pipeline(parseRecordJson, function asItem(value: unknown) {
      return ok(value as { id: string });
    }),
    sink: async (values) => {
      inSink += 1;
      maxInSink = Math.max(maxInSink, inSink);
      largestCall = Math.max(largestCall, values.length);
      try {
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs)); // the slow sink itself
        for (const value of values) written.set(value.id, (written.get(value.id) ?? 0) + 1);
      } finally {
        inSink -= 1;
      }
    },
  };
  await bus.ensureTopics([{ name: topic, partitions: 3 }]);
  const worker = await startWorker(definition, { bus: watched(bus, holding), logger: createLogger('silent', 'test'), batchSize: BATCH });
  try {
    // 2,000 records/s: 200 every 100 ms, keyed over 64 users (three partitions).
    const started = Date.now();
    const lagSamples: number[] = [];
    for (let at = 0; at < RECORDS; at += 200) {
      const chunkStarted = Date.now();
      await bus.produce(
        Array.from({ length: 200 }, (_, i) => ({ topic, key: `u${(at + i) % 64}`, value: JSON.stringify({ id: `r${at + i}` }) })),
      );
      if ((at / 200) % 4 === 3) lagSamples.push(await totalLag(bus, group, topic));
      const rest = 100 - (Date.now() - chunkStarted);
      if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
    }
    const producedMs = Date.now() - started;
    const lagWhileSlow = await totalLag(bus, group, topic);
    const writtenWhileSlow = holding.committed;
    assert.ok(
      lagSamples.every((lag, i) => i === 0 || lag > (lagSamples[i - 1] ?? 0)),
      `lag grows while the sink is slow: ${lagSamples.join(' → ')}`,
    );
    assert.ok(lagWhileSlow >= RECORDS / 2, `the backlog (${lagWhileSlow}) stays in the bus`);

    delayMs = 0; // the sink recovers
    const fastAt = Date.now();
    await waitFor(async () => ((await totalLag(bus, group, topic)) === 0 ? true : undefined), 'the worker caught up', 60_000);
    const catchUpMs = Date.now() - fastAt;
    // The lag reads the committed offsets, which the bus holds before the commit call returns to the
    // wrapper that counts it (a CI run asserted 3,978 of 4,000 in between): wait for that count too.
    await waitFor(async () => (holding.committed >= RECORDS ? true : undefined), 'every commit returned', 10_000);

    // Bounded: never more than three batches between poll and commit (committing, writing, polled
    // ahead), one sink call at a time.
    assert.ok(holding.maxHeld <= 3 * BATCH, `the loop held ${holding.maxHeld} records (batch ${BATCH})`);
    assert.ok(largestCall <= BATCH, `largest sink call ${largestCall}`);
    assert.equal(maxInSink, 1, 'one sink call at a time');
    // Exact: every record written once, none lost, none twice.
    assert.equal(written.size, RECORDS, 'every record written');
    assert.deepEqual(
      [...written.values()].filter((n) => n !== 1),
      [],
      'no record written twice',
    );
    assert.equal(worker.status().records.ok, RECORDS);
    assert.equal(holding.committed, RECORDS);
    t.diagnostic(
      `${bus.kind}: produced ${RECORDS} in ${producedMs} ms; lag while slow ${lagSamples.join(' → ')} → ${lagWhileSlow} ` +
        `(${writtenWhileSlow} written meanwhile); most held by the loop ${holding.maxHeld}, largest sink call ${largestCall}; ` +
        `caught up ${catchUpMs} ms after the sink sped up`,
    );
  } finally {
    await worker.stop();
  }
}

test('a slow sink over the embedded log: bounded holding, growing lag, nothing lost once it speeds up', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pulse-fault-slow-'));
  const bus = await createEmbeddedBus({ dir, logger: silentLogger });
  try {
    await slowSinkScenario(t, bus, 'slow', 'slow-sink');
  } finally {
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a slow sink over Kafka: bounded holding, growing lag, nothing lost once it speeds up', { timeout: 90_000 }, async (t) => {
  const id = randomUUID().slice(0, 8);
  const topic = `fault-slow-${id}`;
  const bus = createKafkaBus({ brokers: kafkaBrokers.split(','), clientId: `test-fault-slow-${id}` });
  try {
    await slowSinkScenario(t, bus, topic, `${topic}-group`);
  } finally {
    await bus.deleteGroup(`${topic}-group`).catch(() => undefined);
    await bus.close();
    await deleteKafkaTopics([topic]);
  }
});
