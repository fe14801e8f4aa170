import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createVirtualClock } from '../../../src/generator/clock.ts';
import { createDeliver } from '../../../src/generator/deliver.ts';
import { classifyRecord, createDeliveryCounts } from '../../../src/generator/delivery-counts.ts';
import { createGeneratorMetrics } from '../../../src/generator/metrics.ts';
import { planEvents, type PlannedEvent } from '../../../src/generator/plan.ts';
import { createRateMeter } from '../../../src/generator/rate-meter.ts';
import { createSendStrategy } from '../../../src/generator/send-strategies.ts';
import { capturingLogger, fakeTarget } from './fakes.ts';

const plan = planEvents(4, 400);

/** A deliver that records each call's seqs and answers when `release` is called (or at once). */
function heldDeliver(options: { hold?: boolean } = {}) {
  const calls: number[][] = [];
  const pending: (() => void)[] = [];
  let inFlight = 0;
  const deliver = async (entries: readonly PlannedEvent[]): Promise<void> => {
    calls.push(entries.map((e) => e.seq));
    inFlight += entries.length;
    if (options.hold === true) await new Promise<void>((resolve) => pending.push(resolve));
    inFlight -= entries.length;
  };
  return { calls, deliver, inFlight: () => inFlight, releaseAll: () => pending.splice(0).forEach((r) => r()) };
}

const entry = (i: number): PlannedEvent => plan[i] as PlannedEvent;

describe('send strategies', () => {
  test('sync: each record delivered alone, in order, before send resolves', async () => {
    const d = heldDeliver();
    const sync = createSendStrategy('sync', { ...d, batchSize: 10, batchMs: 100, maxInFlight: 5 });
    for (let i = 0; i < 3; i += 1) await sync.send(entry(i), 0);
    assert.deepEqual(d.calls, [[0], [1], [2]]);
    assert.equal(sync.overdue(1e9), false);
  });

  test('async: send returns before the answer, and waits once maxInFlight records are out', async () => {
    const d = heldDeliver({ hold: true });
    const async = createSendStrategy('async', { ...d, batchSize: 10, batchMs: 100, maxInFlight: 2 });
    await async.send(entry(0), 0);
    await async.send(entry(1), 0);
    assert.equal(d.inFlight(), 2);
    let third = false;
    const sending = async.send(entry(2), 0).then(() => (third = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(third, false, 'waits while 2 records are in flight');
    d.releaseAll();
    await sending;
    assert.deepEqual(d.calls, [[0], [1], [2]]);
    let drained = false;
    const draining = async.drain().then(() => (drained = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(drained, false, 'drain waits for the last answer');
    d.releaseAll();
    await draining;
  });

  test('batch: a full batch goes at once; a partial one once its oldest record is overdue, or on drain', async () => {
    const d = heldDeliver();
    const batch = createSendStrategy('batch', { ...d, batchSize: 3, batchMs: 200, maxInFlight: 5 });
    for (let i = 0; i < 3; i += 1) await batch.send(entry(i), 1000);
    assert.deepEqual(d.calls, [[0, 1, 2]]);
    await batch.send(entry(3), 1020);
    assert.equal(batch.overdue(1219), false, 'the oldest waiting record was drawn at tick 1020');
    assert.equal(batch.overdue(1220), true);
    await batch.flush();
    assert.deepEqual(d.calls, [[0, 1, 2], [3]]);
    assert.equal(batch.overdue(5000), false, 'nothing waits');
    await batch.send(entry(4), 6000);
    await batch.drain();
    assert.deepEqual(d.calls.at(-1), [4]);
  });
});

describe('delivery counts', () => {
  test('a repeat counts as a duplicate whatever its kind; the others by kind', () => {
    const repeat = plan.find((e) => e.duplicateOf !== null);
    assert.ok(repeat !== undefined, 'the plan has a repeat');
    assert.equal(classifyRecord(repeat), 'duplicate');
    for (const kind of ['view', 'quick_exit', 'invalid'] as const) assert.equal(classifyRecord({ kind, duplicateOf: null }), kind);
  });

  test('deliver moves the counters and the metrics together: handed over, retried, acknowledged, answered', async () => {
    const clock = createVirtualClock();
    const metrics = createGeneratorMetrics();
    const counts = createDeliveryCounts(metrics, 'kafka');
    const target = fakeTarget(clock, { fail: (d) => d.attempt === 1 });
    const deliver = createDeliver({
      target,
      retry: { attempts: 3, baseMs: 10, maxMs: 10 },
      clock,
      logger: capturingLogger().logger,
      counts,
      sendSeconds: metrics.sendSeconds,
    });
    const entries = plan.slice(0, 50);
    const delivering = deliver(entries);
    assert.equal(counts.inFlight, 50);
    await delivering;
    const totals = counts.totals();
    assert.equal(counts.inFlight, 0);
    assert.deepEqual([totals.sent, totals.acked, totals.failed, totals.retries], [50, 50, 0, 1]);
    assert.equal(totals.duplicates + totals.invalid + totals.views + totals.quickExits, 50);
    assert.equal(totals.duplicates, entries.filter((e) => e.duplicateOf !== null).length);
    assert.equal(totals.partitioning.key + totals.partitioning['round-robin'] + totals.partitioning.random, 50);
    assert.equal(
      Object.values(totals.partitions).reduce((a, b) => a + b, 0),
      50,
    );
    const acked = (await metrics.acked.get()).values[0]?.value;
    assert.equal(acked, 50);
    assert.equal((await metrics.retries.get()).values[0]?.value, 1);
    totals.partitioning.key = -1;
    assert.notEqual(counts.totals().partitioning.key, -1, 'totals() gives a copy');
  });

  test('an HTTP target counts no partitioning', async () => {
    const counts = createDeliveryCounts(createGeneratorMetrics(), 'http');
    counts.handedOver(plan.slice(0, 10));
    assert.deepEqual(counts.totals().partitioning, { key: 0, 'round-robin': 0, random: 0 });
    assert.equal(counts.inFlight, 10);
  });
});

describe('rate meter', () => {
  test('records per second since the oldest sample of the last 5 s, to one decimal', () => {
    const meter = createRateMeter();
    assert.equal(meter.rate(0, 0), 0, 'no sample yet');
    meter.sample(0, 0);
    assert.equal(meter.rate(0, 0), 0, 'no span yet');
    assert.equal(meter.rate(3000, 10), 3.3);
    for (let t = 1000; t <= 10_000; t += 1000) meter.sample(t, t / 10);
    // Samples before 5000 are dropped: (1000 − 500) records over 5 s.
    assert.equal(meter.rate(10_000, 1000), 100);
  });
});
