import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heatColor, heatIntensity, pickHeatPage, rgba, toHeatGrid, unitPosition } from '../../../src/dashboard/web/src/heat.ts';

test('sparse cells become a dense row-major grid; cells off the grid are ignored', () => {
  const grid = toHeatGrid(
    [
      { cx: 0, cy: 0, count: 2 },
      { cx: 49, cy: 49, count: 5 },
      { cx: 3, cy: 1, count: 1 },
      { cx: 50, cy: 0, count: 9 },
      { cx: -1, cy: 2, count: 9 },
      { cx: 1.5, cy: 2, count: 9 },
      { cx: 4, cy: 4, count: 0 },
    ],
    50,
  );
  assert.equal(grid.values.length, 2500);
  assert.equal(grid.values[0], 2);
  assert.equal(grid.values[49 * 50 + 49], 5);
  assert.equal(grid.values[1 * 50 + 3], 1);
  assert.deepEqual({ max: grid.max, total: grid.total, cells: grid.cells }, { max: 5, total: 8, cells: 3 });
});

test('a cell repeated in the answer adds up', () => {
  const grid = toHeatGrid(
    [
      { cx: 2, cy: 2, count: 1 },
      { cx: 2, cy: 2, count: 3 },
    ],
    50,
  );
  assert.deepEqual({ max: grid.max, total: grid.total, cells: grid.cells }, { max: 4, total: 4, cells: 1 });
});

test('intensity is logarithmic in 0…1, so one resting cursor does not wash out the rest', () => {
  assert.equal(heatIntensity(0, 10), 0);
  assert.equal(heatIntensity(5, 0), 0);
  assert.equal(heatIntensity(100, 100), 1);
  assert.ok(heatIntensity(1, 100) > 0.1, 'a single visit stays visible next to a hot cell');
  assert.ok(heatIntensity(10, 100) < heatIntensity(50, 100));
});

test('colour scale: transparent at 0, opaque red at 1, alpha never falling', () => {
  assert.deepEqual(heatColor(0)[3], 0);
  assert.deepEqual(heatColor(1), [239, 68, 68, 0.95]);
  assert.deepEqual(heatColor(7), heatColor(1));
  assert.deepEqual(heatColor(Number.NaN), heatColor(0));
  let previous = -1;
  for (let t = 0; t <= 1; t += 0.05) {
    const alpha = heatColor(t)[3];
    assert.ok(alpha >= previous, `alpha at ${t}`);
    previous = alpha;
  }
  assert.equal(rgba([1, 2, 3, 0.5]), 'rgba(1, 2, 3, 0.5)');
});

test('cursor positions map to the unit square of their viewport', () => {
  assert.deepEqual(unitPosition({ x: 640, y: 200, viewport_w: 1280, viewport_h: 800 }), { u: 0.5, v: 0.25 });
  assert.deepEqual(unitPosition({ x: 2000, y: 900, viewport_w: 1280, viewport_h: 800 }), { u: 1, v: 1 }, 'clamped');
  assert.equal(unitPosition({ x: 10, y: 10, viewport_w: null, viewport_h: 800 }), null);
  assert.equal(unitPosition({ x: 10, y: 10, viewport_w: 0, viewport_h: 800 }), null);
});

test('the heat map picks the most viewed page with cursor data', () => {
  assert.equal(pickHeatPage([]), null);
  assert.equal(
    pickHeatPage([
      { path: '/products', cells: 0 },
      { path: '/', cells: 12 },
      { path: '/pricing', cells: 30 },
    ]),
    '/',
  );
  assert.equal(
    pickHeatPage([
      { path: '/products', cells: 0 },
      { path: '/', cells: 0 },
    ]),
    '/products',
    'none has data: the top page',
  );
});
