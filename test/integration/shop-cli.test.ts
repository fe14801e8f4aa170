import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Product } from '../../src/shop/product.ts';
import type { Recommendation } from '../../src/shop/recommend.ts';
import type { SearchResult } from '../../src/stores/search/search-index.ts';
import { freePort, spawnPulse, waitFor, waitForHealth, type PulseProcess } from '../helpers/services.ts';

async function pulse(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  const child = spawnPulse(args, env);
  const timer = setTimeout(() => void child.stop(), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.child.once('exit', resolve));
  clearTimeout(timer);
  return { code, output: child.output() };
}

/** `pulse start` with the marketplace, driven only through `pulse shop …` and the HTTP API, as a user would. */
describe('pulse shop on embedded Pulse', () => {
  let server: PulseProcess;
  let dataDir: string;
  let env: Record<string, string>;
  let base: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-shop-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = { PULSE_PORT: String(port), PULSE_DATA_DIR: dataDir, PULSE_LOG_LEVEL: 'warn' };
    server = spawnPulse(['start'], env);
    await waitForHealth(base, server);
  });
  after(async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const search = async (q: string, extra = ''): Promise<SearchResult> =>
    (await (await fetch(`${base}/api/shop/search?q=${encodeURIComponent(q)}${extra}`)).json()) as SearchResult;

  test('a product file with errors is refused whole, each error with its line', async () => {
    const file = join(dataDir, 'bad.jsonl');
    const good = {
      product_id: 'x-1',
      name: 'Чайник',
      description: '',
      price: { amount: 10, currency: 'RUB' },
      category: 'Дом',
      brand: 'B',
      stock: { available: 1, reserved: 0 },
    };
    await writeFile(
      file,
      [JSON.stringify(good), '', JSON.stringify({ ...good, product_id: 'x-2', price: { amount: -5, currency: 'RUB' } }), '{not json'].join(
        '\n',
      ),
    );
    const { code, output } = await pulse(['shop', 'emit', '--file', file], env);
    assert.equal(code, 1, output);
    assert.match(output, /bad\.jsonl:3: price\.amount must be >= 0/);
    assert.match(output, /bad\.jsonl:4: /);
    assert.equal((await search('Чайник')).total, 0, 'nothing was published');
  });

  test('emit, ban, search, recommend, updates and unban through the CLI', { timeout: 180_000 }, async () => {
    let run = await pulse(['shop', 'ban', '--pattern', '*replica*', '--reason', 'fakes'], env);
    assert.equal(run.code, 0, run.output);
    run = await pulse(['shop', 'emit'], env);
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /published 368 products/);
    run = await pulse(['shop', 'ban', '--brand', 'FakeBrand'], env);
    assert.equal(run.code, 0, run.output);
    run = await pulse(['shop', 'banned'], env);
    assert.match(run.output, /pattern\s+"\*replica\*".*fakes/);
    assert.match(run.output, /brand\s+"FakeBrand"/);

    await waitFor(
      async () => ((await search('', '&brand=FakeBrand')).total === 0 && (await search('replica')).total === 0 ? true : undefined),
      'banned products gone',
      60_000,
    );

    run = await pulse(['shop', 'search', '--name', 'смартфн', '--user-id', 'cli-user', '--json'], env);
    assert.equal(run.code, 0, run.output);
    const phones = JSON.parse(run.output) as SearchResult;
    assert.ok(
      phones.hits.length > 0 && phones.hits.every((hit) => /смартфон|smartphone/i.test(`${hit.product.name} ${hit.product.description}`)),
    );
    run = await pulse(['shop', 'search', '--name', 'Умные часы', '--user-id', 'cli-user'], env);
    assert.match(run.output.split('\n')[1] ?? '', /Умные часы/, 'the first hit is a smart watch');

    await waitFor(
      async () => {
        const answer = JSON.parse((await pulse(['shop', 'recommend', '--user-id', 'cli-user', '--json'], env)).output) as Recommendation;
        return answer.basis === 'searches' ? answer : undefined;
      },
      'recommendations from the searches',
      60_000,
    ).then((answer) => {
      assert.ok(answer.categories.includes('Смартфоны'));
      assert.ok(answer.products.every((p) => p.brand !== 'FakeBrand' && !/replica/i.test(p.name)));
    });

    // Price and stock updates reach the index.
    const before = (await search('', '&limit=100')).hits.map((hit) => hit.product);
    run = await pulse(['shop', 'emit', '--updates', '--rate', '200', '--count', '40', '--seed', '3'], env);
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /updates: 40 changes published/);
    await waitFor(
      async () => {
        const after = new Map((await search('', '&limit=100')).hits.map((hit) => [hit.product.product_id, hit.product]));
        return before.some((p) => (after.get(p.product_id)?.updated_at ?? p.updated_at) !== p.updated_at) ? true : undefined;
      },
      'an updated product in the index',
      60_000,
    );

    // Unbanning lets a product's next version through.
    run = await pulse(['shop', 'unban', '--brand', 'fakebrand'], env);
    assert.match(run.output, /unbanned brand "fakebrand"/);
    const file = join(dataDir, 'fake.json');
    const next: Product = {
      product_id: 'p-fake-next',
      name: 'Умные часы FakeBrand Next',
      description: 'Новая версия',
      price: { amount: 999, currency: 'RUB' },
      category: 'Носимые устройства',
      brand: 'FakeBrand',
      stock: { available: 3, reserved: 0 },
      tags: [],
      updated_at: new Date().toISOString(),
    };
    await writeFile(file, JSON.stringify([next]));
    run = await pulse(['shop', 'emit', '--file', file], env);
    assert.equal(run.code, 0, run.output);
    await waitFor(
      async () => ((await search('', '&brand=FakeBrand')).total === 1 ? true : undefined),
      'the unbanned brand’s new product',
      60_000,
    );
  });

  test('the OpenAPI document describes the shop API', async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    for (const path of [
      '/api/shop/search',
      '/api/shop/recommendations',
      '/api/shop/categories',
      '/api/shop/stats',
      '/api/admin/shop/products',
      '/api/admin/shop/bans',
    ]) {
      assert.ok(path in doc.paths, `${path} documented`);
    }
  });
});
