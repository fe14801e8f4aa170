import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DASHBOARD_USER, searchUrl } from '../../../src/dashboard/web/src/shop-api.ts';
import {
  bucketSpan,
  catalogTotals,
  fillSeries,
  formatRub,
  minuteLabel,
  peakBucket,
  rankCategories,
  shareOf,
  shortLabel,
  updateKey,
} from '../../../src/dashboard/web/src/shop-model.ts';
import type { ShopCategory, ShopUpdate } from '../../../src/dashboard/web/src/shop-types.ts';

const MINUTE = 60_000;

const categories: ShopCategory[] = [
  { category: 'Книги', product_count: 2, avg_price: 500, total_available: 10 },
  { category: 'Электроника', product_count: 3, avg_price: 20_000, total_available: 4 },
  { category: 'Дом и сад', product_count: 2, avg_price: 1000.5, total_available: 0 },
];

test('categories rank by product count, ties by name; totals weigh the average price by count', () => {
  assert.deepEqual(
    rankCategories(categories).map((row) => row.category),
    ['Электроника', 'Дом и сад', 'Книги'],
  );
  assert.equal(categories[0]?.category, 'Книги', 'the input is left as it was');
  assert.deepEqual(catalogTotals(categories), {
    products: 7,
    categories: 3,
    available: 14,
    avgPrice: (2 * 500 + 3 * 20_000 + 2 * 1000.5) / 7,
  });
  assert.deepEqual(catalogTotals([]), { products: 0, categories: 0, available: 0, avgPrice: null });
});

test('the series gets every minute of the range, zeros where nobody queried', () => {
  const from = Date.UTC(2026, 0, 1, 10, 0, 30);
  const at = (minute: number) => Date.UTC(2026, 0, 1, 10, minute);
  const filled = fillSeries({
    from,
    to: from + 4 * MINUTE,
    bucketMs: MINUTE,
    series: [
      { ts: at(1), searches: 3, recommendations: 1, users: 2 },
      { ts: at(3), searches: 0, recommendations: 2, users: 1 },
    ],
  });
  assert.deepEqual(
    filled.map((point) => [new Date(point.ts).getUTCMinutes(), point.searches, point.recommendations, point.users]),
    [
      [0, 0, 0, 0],
      [1, 3, 1, 2],
      [2, 0, 0, 0],
      [3, 0, 2, 1],
      [4, 0, 0, 0],
    ],
  );
  assert.equal(fillSeries({ from: 60 * MINUTE, to: 120 * MINUTE, bucketMs: MINUTE, series: [] }).length, 60, 'an hour is 60 minutes');
  assert.deepEqual(fillSeries({ from: 10, to: 10, bucketMs: MINUTE, series: [] }), []);
  assert.deepEqual(fillSeries({ from: 0, to: 10, bucketMs: 0, series: [] }), []);
  assert.deepEqual(peakBucket(filled), filled[1]);
  assert.equal(peakBucket(filled.filter((point) => point.searches + point.recommendations === 0)), null);
});

test('prices in roubles, minute labels, shares and short labels', () => {
  assert.equal(formatRub(12_990), '12,990 ₽');
  assert.equal(formatRub(1000.5), '1,001 ₽');
  assert.equal(formatRub(49.9), '49.90 ₽');
  assert.equal(formatRub(null), '–');
  assert.equal(formatRub(Number.NaN), '–');
  const ts = Date.UTC(2026, 0, 1, 9, 5);
  assert.equal(minuteLabel(ts, 'UTC'), '09:05');
  assert.equal(bucketSpan(ts, MINUTE, 'UTC'), '09:05–09:06');
  assert.equal(shareOf(5, 10), 0.5);
  assert.equal(shareOf(5, 0), 0);
  assert.equal(shareOf(20, 10), 1);
  assert.equal(shortLabel('Продукты питания', 10), 'Продукты …');
  assert.equal(shortLabel('Книги', 10), 'Книги');
});

test('an update is redrawn only when its figures or its minute changed', () => {
  const from = Date.UTC(2026, 0, 1, 9, 0, 10);
  const update = (shift: number, searches = 1): ShopUpdate => ({
    categories,
    stats: {
      from: from + shift,
      to: from + 60 * MINUTE + shift,
      bucketMs: MINUTE,
      searches,
      recommendations: 0,
      users: 1,
      series: [],
      topQueries: [],
      noResults: [],
    },
  });
  assert.equal(updateKey(update(0)), updateKey(update(2000)), 'two pushes 2 s apart in the same minute');
  assert.notEqual(updateKey(update(0)), updateKey(update(0, 2)), 'a new search');
  assert.notEqual(updateKey(update(0)), updateKey(update(MINUTE)), 'the next minute moves the axis');
});

test('the search box searches as user "dashboard" with its filters', () => {
  assert.equal(DASHBOARD_USER, 'dashboard');
  assert.equal(searchUrl({ q: 'часы' }), '/api/shop/search?q=%D1%87%D0%B0%D1%81%D1%8B&user_id=dashboard&limit=8');
  const url = new URL(searchUrl({ q: '', category: 'Дом и сад', brand: 'Nova', limit: 5 }), 'http://x');
  assert.deepEqual(Object.fromEntries(url.searchParams), { q: '', user_id: 'dashboard', limit: '5', category: 'Дом и сад', brand: 'Nova' });
});
