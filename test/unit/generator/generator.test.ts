import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createVirtualClock, systemClock } from '../../../src/generator/clock.ts';
import { createLoadGenerator, type GeneratorOptions } from '../../../src/generator/generator.ts';
import { planEvents } from '../../../src/generator/plan.ts';
import { backoffDelay, defaultRetryPolicy } from '../../../src/generator/retry.ts';
import { runGenerator } from '../../../src/generator/run.ts';
import { PEAK_BURST } from '../../../src/generator/schedule.ts';
import { capturingLogger, fakeTarget, perSecond, type FakeTarget } from './fakes.ts';

/** A generator on simulated time: a minute of traffic runs in milliseconds. */
function setup(options: Partial<GeneratorOptions>, targetOptions: Parameters<typeof fakeTarget>[1] = {}) {
  const clock = createVirtualClock();
  const start = clock.now();
  const target: FakeTarget = fakeTarget(clock, targetOptions);
  const { logger, lines } = capturingLogger();
  const generator = createLoadGenerator({ seed: 9, mode: 'regular', strategy: 'async', ...options }, { target, logger, clock });
  return { clock, start, target, generator, lines };
}

describe('rate per mode, over a bounded window (simulated time)', () => {
  test('--eps 50 for 10 s: 50 records in every second, 500 in all', async () => {
    const { start, target, generator } = setup({ eps: 50, durationMs: 10_000 });
    const final = await generator.run();
    assert.equal(final.sent, 500);
    assert.equal(final.acked, 500);
    assert.deepEqual(perSecond(target.deliveries, start, 10), Array(10).fill(50));
  });

  test('regular for 60 s: every second between 1 and 10 records', async () => {
    const { start, target, generator } = setup({ mode: 'regular', durationMs: 60_000 });
    const final = await generator.run();
    const counts = perSecond(target.deliveries, start, 60);
    assert.ok(
      counts.every((n) => n >= 1 && n <= 10),
      counts.join(','),
    );
    assert.ok(final.sent >= 60 && final.sent <= 600);
    assert.ok(new Set(counts).size > 3, 'the rate moves');
  });

  test('peak for 60 s: a burst of 100–1000 at the start of every 10 s, regular traffic between', async () => {
    const { start, target, generator } = setup({ mode: 'peak', durationMs: 60_000 });
    await generator.run();
    const counts = perSecond(target.deliveries, start, 60);
    counts.forEach((n, s) => {
      if (s % (PEAK_BURST.everyMs / 1000) === 0) assert.ok(n >= 101 && n <= 1010, `second ${s}: ${n}`);
      else assert.ok(n >= 1 && n <= 10, `second ${s}: ${n}`);
    });
  });

  test('night for 60 s: one record every 10 s', async () => {
    const { start, target, generator } = setup({ mode: 'night', durationMs: 60_000 });
    const final = await generator.run();
    assert.equal(final.sent, 6);
    assert.deepEqual(
      target.deliveries.map((d) => d.at - start),
      [0, 10_000, 20_000, 30_000, 40_000, 50_000],
    );
  });

  test('--count stops after exactly that many records: the plan prefix', async () => {
    const { target, generator } = setup({ eps: 1000, count: 777, plan: { idPrefix: 'cnt' } });
    const final = await generator.run();
    assert.equal(final.sent, 777);
    const plan = planEvents(9, 777, { idPrefix: 'cnt' });
    assert.deepEqual(
      target.deliveries.flatMap((d) => d.seqs).sort((a, b) => a - b),
      plan.map((e) => e.seq),
    );
    assert.equal(final.duplicates, plan.filter((e) => e.duplicateOf !== null).length);
    assert.equal(final.invalid, plan.filter((e) => e.invalid !== null && e.duplicateOf === null).length);
    assert.equal(final.partitioning.key + final.partitioning['round-robin'] + final.partitioning.random, 777);
    assert.equal(
      Object.values(final.partitions).reduce((a, b) => a + b, 0),
      777,
    );
  });
});

describe('send strategies', () => {
  test('sync: one record at a time, each answered before the next is sent', async () => {
    const { target, generator } = setup({ strategy: 'sync', eps: 200, count: 100 }, { latencyMs: 3 });
    const final = await generator.run();
    assert.equal(final.acked, 100);
    assert.equal(target.maxConcurrent, 1);
    assert.ok(target.deliveries.every((d) => d.seqs.length === 1));
    assert.deepEqual(
      target.deliveries.map((d) => d.seqs[0]),
      Array.from({ length: 100 }, (_, i) => i),
      'in plan order',
    );
  });

  test('async: records in flight together, bounded by maxInFlight, outcomes counted by callbacks', async () => {
    const { target, generator } = setup({ strategy: 'async', eps: 2000, count: 400, maxInFlight: 25 }, { latencyMs: 50 });
    const final = await generator.run();
    assert.equal(final.acked, 400);
    assert.equal(final.inFlight, 0);
    assert.ok(target.maxConcurrent > 1 && target.maxConcurrent <= 25, `concurrency ${target.maxConcurrent}`);
  });

  test('batch: N records together, or fewer once the oldest has waited X ms', async () => {
    const full = setup({ strategy: 'batch', eps: 5000, count: 1000, batchSize: 50, batchMs: 200 });
    await full.generator.run();
    assert.deepEqual(
      full.target.deliveries.map((d) => d.seqs.length),
      Array(20).fill(50),
    );

    // 10 events/s, batches of up to 50 or 200 ms: the event k is due at k·100 ms.
    const timed = setup({ strategy: 'batch', eps: 10, durationMs: 5000, batchSize: 50, batchMs: 200 });
    const final = await timed.generator.run();
    assert.equal(final.acked, 50);
    for (const delivery of timed.target.deliveries.slice(0, -1)) {
      const waited = delivery.at - timed.start - (delivery.seqs[0] ?? 0) * 100;
      assert.ok(delivery.seqs.length <= 3, `batch of ${delivery.seqs.length}`);
      assert.ok(waited >= 200 && waited <= 220, `the oldest waited ${waited} ms`);
    }
  });
});

describe('retries with exponential back-off', () => {
  test('the delay doubles from the base and never exceeds the cap', () => {
    assert.deepEqual(defaultRetryPolicy, { attempts: 5, baseMs: 1000, maxMs: 30_000 });
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, defaultRetryPolicy)),
      [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000],
    );
  });

  test('a broker down for 3 attempts: waits 1 s, 2 s, 4 s, then the record is acknowledged', async () => {
    const { target, generator, start } = setup({ strategy: 'sync', eps: 1, count: 1 }, { fail: (d) => d.attempt <= 3 });
    const final = await generator.run();
    assert.deepEqual(
      target.attempts.map((d) => d.at - start),
      [0, 1000, 3000, 7000],
    );
    assert.deepEqual({ acked: final.acked, failed: final.failed, retries: final.retries }, { acked: 1, failed: 0, retries: 3 });
  });

  test('a broker that stays down: 5 attempts at most, waits capped at 30 s, the failure logged and counted', async () => {
    const { target, generator, start, lines } = setup(
      { strategy: 'sync', eps: 1, count: 1, retry: { attempts: 5, baseMs: 10_000, maxMs: 30_000 } },
      { fail: () => true },
    );
    const final = await generator.run();
    assert.deepEqual(
      target.attempts.map((d) => d.at - start),
      [0, 10_000, 30_000, 60_000, 90_000],
      'waits of 10, 20, 30 (capped) and 30 s',
    );
    assert.deepEqual({ acked: final.acked, failed: final.failed, retries: final.retries }, { acked: 0, failed: 1, retries: 4 });
    assert.equal(lines.filter((l) => l['msg'] === 'delivery failed, retrying after back-off').length, 4);
    const failure = lines.find((l) => l['msg'] === 'records failed');
    assert.equal(failure?.['attempts'], 5);
    assert.equal(failure?.['level'], 50);
  });

  test('an error that cannot be retried fails at once', async () => {
    const { target, generator } = setup({ strategy: 'sync', eps: 1, count: 1 }, { fail: () => true, retriable: false });
    const final = await generator.run();
    assert.equal(target.attempts.length, 1);
    assert.equal(final.failed, 1);
  });

  test('async and batch records survive an outage shorter than the back-off budget', async () => {
    for (const strategy of ['async', 'batch'] as const) {
      const clock = createVirtualClock();
      const downUntil = clock.now() + 5000;
      const target = fakeTarget(clock, { fail: () => clock.now() < downUntil });
      const generator = createLoadGenerator(
        { seed: 2, mode: 'regular', eps: 20, count: 100, strategy, batchSize: 10 },
        { target, logger: capturingLogger().logger, clock },
      );
      const final = await generator.run();
      assert.equal(final.acked, 100, strategy);
      assert.equal(final.failed, 0, strategy);
      assert.ok(final.retries > 0, strategy);
      assert.ok(
        target.attempts.every((a) => a.attempt <= 5),
        strategy,
      );
    }
  });
});

describe('settings changed while running', () => {
  test('rate, mode and bursts apply from the moment they are set', async () => {
    const { clock, start, target, generator } = setup({ eps: 10, durationMs: 40_000 });
    const running = generator.run();
    await clock.sleep(10_000);
    generator.setEps(50);
    assert.equal(generator.status().eps, 50);
    await clock.sleep(10_000);
    generator.setMode('night');
    assert.deepEqual([generator.status().mode, generator.status().eps], ['night', null]);
    await clock.sleep(10_000);
    generator.burst(250);
    await running;
    const counts = perSecond(target.deliveries, start, 40);
    assert.deepEqual(counts.slice(0, 10), Array(10).fill(10), 'eps 10');
    assert.deepEqual(counts.slice(10, 20), Array(10).fill(50), 'then eps 50');
    assert.deepEqual(counts.slice(20, 30), [1, ...Array(9).fill(0)], 'then night');
    assert.equal(counts[30], 251, 'a burst of 250 beside the night event');
    assert.throws(() => generator.burst(0), /burst count/);
    assert.throws(() => generator.setEps(-1), /eps/);
  });

  test('stop() ends an unbounded run after the outstanding records are answered', async () => {
    const { clock, generator, target } = setup({ eps: 100 }, { latencyMs: 30 });
    const running = generator.run();
    await clock.sleep(2_000);
    const final = await generator.stop();
    assert.equal(await running, final);
    assert.equal(final.state, 'stopped');
    assert.equal(final.acked, final.sent);
    assert.equal(target.deliveries.length, final.sent);
  });
});

describe('progress display of a bounded run', () => {
  test('rewrites one line on a terminal, prints lines otherwise, about once a second', async () => {
    for (const isTTY of [true, false]) {
      const written: string[] = [];
      const final = await runGenerator(
        { target: 'kafka', seed: 1, mode: 'regular', eps: 500, count: 1100, strategy: 'async' },
        {
          logger: capturingLogger().logger,
          openTarget: async () => fakeTarget(systemClock),
          progress: { isTTY, write: (text) => written.push(text) },
        },
      );
      assert.equal(final.acked, 1100);
      assert.ok(written.length >= 2 && written.length <= 4, `${written.length} updates in about 2 s`);
      assert.match(written[0] ?? '', /sent \d+\/1100 \(\d+%\) {2}acked \d+ {2}failed 0 {2}in flight \d+ {2}rate \d+\.\d\/s/);
      const last = written.at(-1) ?? '';
      assert.match(last, /sent 1100\/1100 \(100%\) {2}acked 1100 {2}failed 0 {2}in flight 0 {2}rate \d+\.\d\/s/);
      if (isTTY) {
        assert.ok(written.every((w) => w.startsWith('\r\x1b[2K')));
        assert.ok(last.endsWith('\n') && !written.slice(0, -1).some((w) => w.endsWith('\n')));
      } else {
        assert.ok(written.every((w) => !w.includes('\r') && w.endsWith('\n')));
      }
    }
  });
});
