import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCatalogErrors, loadSampleCatalog, parseCatalog } from '../../../src/shop/catalog/read-catalog.ts';
import { buildSampleCatalog } from '../../../src/shop/catalog/sample-catalog.ts';
import { validateProduct } from '../../../src/shop/product.ts';

const now = new Date('2026-02-01T12:00:00.000Z');
const cyrillic = /[а-яё]/i;

function product(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    product_id: id,
    name: `Товар ${id}`,
    description: '',
    price: { amount: 100, currency: 'RUB' },
    category: 'Книги',
    brand: 'Слово',
    stock: { available: 5, reserved: 0 },
    ...extra,
  };
}
const line = (value: unknown): string => JSON.stringify(value);

test('the shipped sample catalog loads, is varied and valid', async () => {
  const products = await loadSampleCatalog();
  assert.ok(products.length >= 300, `${products.length} products`);
  assert.ok(new Set(products.map((p) => p.category)).size >= 10);
  assert.equal(new Set(products.map((p) => p.product_id)).size, products.length, 'ids are unique');
  for (const p of products) {
    assert.match(p.product_id, /^p-\d{4}$/);
    assert.equal(p.price.currency, 'RUB');
    assert.ok(p.stock.reserved <= p.stock.available, p.product_id);
    assert.equal(validateProduct(p).kind, 'ok', p.product_id);
  }
  const names = products.map((p) => p.name);
  assert.ok(names.filter((name) => cyrillic.test(name)).length >= 100, 'Russian names');
  assert.ok(names.filter((name) => !cyrillic.test(name)).length >= 100, 'English names');
  assert.ok(names.filter((name) => name.startsWith('Умные часы')).length >= 3);
  assert.ok(names.some((name) => name.startsWith('Смартфон ')) && names.some((name) => name.startsWith('Smartphone ')));
  const watchInDescriptionOnly = products.filter((p) => !p.name.toLowerCase().includes('часы') && p.description.includes('часы'));
  assert.ok(watchInDescriptionOnly.length >= 3, 'some products mention «часы» only in the description');
  const fakeBrand = products.filter((p) => p.brand === 'FakeBrand').length;
  assert.ok(fakeBrand >= 3 && fakeBrand <= 5, `${fakeBrand} FakeBrand products`);
  assert.ok(names.some((name) => /^(replica|поддельн)/i.test(name)));
});

test('the shipped file is exactly what the generator builds (rerun build-sample-catalog.ts)', async () => {
  assert.deepEqual(await loadSampleCatalog(), buildSampleCatalog());
});

test('JSON Lines: good lines are kept, bad ones are reported with their line numbers', () => {
  const text = [
    '# demo products',
    line(product('p-1')),
    '',
    line(product('p-2', { price: { amount: -5, currency: 'RUB' } })),
    '{"product_id": "p-3",',
    line(product('p-4', { colour: 'red' })),
    line(product('p-5')),
  ].join('\n');
  const { products, errors } = parseCatalog(text, 'products.jsonl', now);
  assert.deepEqual(
    products.map((p) => p.product_id),
    ['p-1', 'p-5'],
  );
  let jsonError = '';
  try {
    JSON.parse('{"product_id": "p-3",');
  } catch (error) {
    jsonError = (error as Error).message;
  }
  assert.deepEqual(errors, [
    { line: 4, message: 'price.amount must be >= 0' },
    { line: 5, message: jsonError },
    { line: 6, message: 'product: unknown field "colour"' },
  ]);
  assert.equal(formatCatalogErrors('products.jsonl', errors).split('\n')[0], 'products.jsonl:4: price.amount must be >= 0');
});

test('blank lines, comments and Windows line ends are skipped without shifting line numbers', () => {
  const text = ['', '   ', '# comment', '  # indented comment', line(product('p-1')), line({})].join('\r\n');
  const { products, errors } = parseCatalog(text, 'products.jsonl', now);
  assert.equal(products.length, 1);
  assert.deepEqual(errors, [{ line: 6, message: "product must have required property 'product_id'" }]);
  assert.deepEqual(parseCatalog('', 'empty.jsonl', now), { products: [], errors: [] });
});

test('missing tags and updated_at are filled in; given ones are kept', () => {
  const text = [line(product('p-1')), line(product('p-2', { tags: ['a'], updated_at: '2025-01-01T00:00:00.000Z' }))].join('\n');
  const { products, errors } = parseCatalog(text, 'products.jsonl', now);
  assert.deepEqual(errors, []);
  assert.deepEqual(products[0]?.tags, []);
  assert.equal(products[0]?.updated_at, now.toISOString());
  assert.deepEqual(products[1]?.tags, ['a']);
  assert.equal(products[1]?.updated_at, '2025-01-01T00:00:00.000Z');
});

test('a duplicate product_id is an error on the later line', () => {
  const text = [line(product('p-1')), line(product('p-2')), line(product('p-1', { name: 'again' }))].join('\n');
  const { products, errors } = parseCatalog(text, 'products.jsonl', now);
  assert.deepEqual(
    products.map((p) => p.name),
    ['Товар p-1', 'Товар p-2'],
  );
  assert.deepEqual(errors, [{ line: 3, message: 'duplicate product_id "p-1" (first on line 1)' }]);
});

test('JSON array: each element is reported at the line where it starts', () => {
  const text = [
    '[',
    `  ${line(product('p-1'))},`,
    '  {',
    '    "product_id": "p-2", "name": "", "description": "",',
    '    "price": {"amount": 1, "currency": "RUB"}, "category": "c", "brand": "b", "stock": {"available": 1, "reserved": 0}',
    '  },',
    `  ${line(product('p-1'))},`,
    '  "a string, with a comma and a ] bracket",',
    `  ${line(product('p-3', { description: 'braces { and [ inside "quoted" text' }))}`,
    ']',
    '',
  ].join('\n');
  const { products, errors } = parseCatalog(text, 'products.json', now);
  assert.deepEqual(
    products.map((p) => p.product_id),
    ['p-1', 'p-3'],
  );
  assert.equal(products[1]?.description, 'braces { and [ inside "quoted" text');
  assert.deepEqual(errors, [
    { line: 3, message: 'name must NOT have fewer than 1 characters' },
    { line: 7, message: 'duplicate product_id "p-1" (first on line 2)' },
    { line: 8, message: 'product must be object' },
  ]);
  assert.deepEqual(parseCatalog(' [ ] ', 'empty.json', now), { products: [], errors: [] });
});

test('JSON array: broken structure is reported where it is, and the good elements are kept', () => {
  const trailing = parseCatalog(`[\n${line(product('p-1'))},\n]`, 'a.json', now);
  assert.equal(trailing.products.length, 1);
  assert.deepEqual(trailing.errors, [{ line: 2, message: 'trailing comma before "]"' }]);

  const doubled = parseCatalog(`[${line(product('p-1'))},\n,${line(product('p-2'))}]`, 'a.json', now);
  assert.equal(doubled.products.length, 2);
  assert.deepEqual(doubled.errors, [{ line: 2, message: 'missing array element before ","' }]);

  const unclosed = parseCatalog(`[\n${line(product('p-1'))},\n${line(product('p-2'))}\n`, 'a.json', now);
  assert.equal(unclosed.products.length, 1);
  assert.deepEqual(unclosed.errors, [{ line: 4, message: 'the array is not closed: "]" is missing' }]);

  const unterminated = parseCatalog(`[\n${line(product('p-1'))},\n{"product_id": "p-2\n]`, 'a.json', now);
  assert.deepEqual(unterminated.errors, [{ line: 3, message: 'unterminated string' }]);

  const after = parseCatalog(`[${line(product('p-1'))}]\n[]`, 'a.json', now);
  assert.equal(after.products.length, 1);
  assert.deepEqual(after.errors, [{ line: 2, message: 'unexpected text after the closing "]"' }]);
});

test('a .jsonl file is read as JSON Lines even when a line starts with [', () => {
  const { errors } = parseCatalog(`[1]\n${line(product('p-1'))}`, 'products.jsonl', now);
  assert.deepEqual(errors, [{ line: 1, message: 'product must be object' }]);
});

test('formatCatalogErrors lists at most max errors, then how many more', () => {
  const errors = Array.from({ length: 5 }, (_, i) => ({ line: i + 1, message: `bad ${i + 1}` }));
  assert.equal(formatCatalogErrors('x.jsonl', errors, 2), 'x.jsonl:1: bad 1\nx.jsonl:2: bad 2\n… and 3 more');
  assert.equal(formatCatalogErrors('x.jsonl', errors.slice(0, 1)), 'x.jsonl:1: bad 1');
  assert.equal(formatCatalogErrors('x.jsonl', []), '');
});
