import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPacer, exactRate, NIGHT_EPS, PEAK_BURST, scheduleFor } from '../../../src/generator/schedule.ts';

/** Events due in each whole second of [0, seconds). */
function perSecond(dueBy: (ms: number) => number, seconds: number): number[] {
  const counts: number[] = [];
  let before = 0;
  for (let s = 0; s < seconds; s += 1) {
    const last = dueBy((s + 1) * 1000 - 0.001);
    counts.push(last - before);
    before = last;
  }
  return counts;
}

describe('rate schedules', () => {
  test('an exact rate spaces events evenly, the first at once', () => {
    const schedule = exactRate(4);
    assert.deepEqual(
      [0, 249, 250, 999, 1000, 2500].map((ms) => schedule.dueBy(ms)),
      [1, 1, 2, 4, 5, 11],
    );
    assert.deepEqual(perSecond(exactRate(250).dueBy, 5), [250, 250, 250, 250, 250]);
    assert.throws(() => exactRate(0), /eps/);
  });

  test('regular: every second between 1 and 10 events, and the rate moves (random walk)', () => {
    const counts = perSecond(scheduleFor('regular', 11).dueBy, 600);
    assert.ok(
      counts.every((n) => n >= 1 && n <= 10),
      `per-second counts: ${counts.join(',')}`,
    );
    assert.ok(new Set(counts).size >= 8, 'the walk visits most rates');
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    assert.ok(mean > 3 && mean < 8, `mean ${mean}`);
    assert.deepEqual(perSecond(scheduleFor('regular', 11).dueBy, 60), counts.slice(0, 60), 'same seed, same shape');
  });

  test('peak: a burst of 100–1000 every 10 s on top of regular traffic', () => {
    const peak = perSecond(scheduleFor('peak', 5).dueBy, 60);
    const base = perSecond(scheduleFor('regular', 5).dueBy, 60);
    for (let s = 0; s < 60; s += 1) {
      const extra = (peak[s] ?? 0) - (base[s] ?? 0);
      if (s % (PEAK_BURST.everyMs / 1000) === 0) assert.ok(extra >= 100 && extra <= 1000, `burst at ${s}s: ${extra}`);
      else assert.equal(extra, 0, `no burst at ${s}s`);
    }
  });

  test('night: one event every 10 s', () => {
    const schedule = scheduleFor('night', 1);
    assert.equal(NIGHT_EPS, 0.1);
    assert.deepEqual(
      [0, 9_999, 10_000, 59_999, 60_000].map((ms) => schedule.dueBy(ms)),
      [1, 1, 2, 6, 7],
    );
  });
});

describe('the pacer', () => {
  test('gives what became due since the last call; a change applies from its moment', () => {
    const pacer = createPacer({ seed: 1, mode: 'night', eps: null, start: 0 });
    assert.equal(pacer.take(0), 1);
    assert.equal(pacer.take(5_000), 0);
    pacer.setEps(100, 5_000);
    assert.deepEqual(pacer.settings(), { mode: 'night', eps: 100 });
    assert.equal(pacer.take(5_000), 1);
    assert.equal(pacer.take(6_000), 100);
    assert.equal(pacer.rate(6_000), 100);
    pacer.setMode('night', 6_000);
    assert.deepEqual(pacer.settings(), { mode: 'night', eps: null }, 'a mode clears the exact rate');
    assert.equal(pacer.take(6_000), 1);
    assert.equal(pacer.take(15_999), 0);
  });

  test('events due before a change and not yet taken are still sent', () => {
    const pacer = createPacer({ seed: 1, mode: 'regular', eps: 100, start: 0 });
    assert.equal(pacer.take(0), 1);
    pacer.setEps(10, 500);
    assert.equal(pacer.take(500), 49 + 1, '49 owed from before the change, and the first at the new rate');
    assert.equal(pacer.take(600), 1);
  });

  test('bursts are added at the next call', () => {
    const pacer = createPacer({ seed: 1, mode: 'night', eps: null, start: 0 });
    pacer.take(0);
    pacer.burst(250);
    pacer.burst(50);
    assert.equal(pacer.take(1), 300);
    assert.equal(pacer.take(2), 0);
    assert.throws(() => pacer.burst(0), /burst/);
  });

  test('a sender far behind skips what is older than the backlog limit', () => {
    const pacer = createPacer({ seed: 1, mode: 'regular', eps: 1000, start: 0, maxBacklog: 500 });
    assert.equal(pacer.take(10_000), 500);
    assert.equal(pacer.skipped, 10_001 - 500);
    assert.equal(pacer.take(10_010), 10);
  });
});
