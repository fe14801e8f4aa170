import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, brotliDecompressSync, gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerDashboardRoutes } from '../../../src/dashboard/dashboard-routes.ts';

const indexHtml = '<!doctype html><title>Pulse</title><script type="module" src="/dashboard/assets/index-abc123.js"></script>';
const script = `console.log(${JSON.stringify('x'.repeat(2000))});`;

async function writeBuild(dir: string, html = indexHtml): Promise<void> {
  await mkdir(join(dir, 'assets'), { recursive: true });
  await writeFile(join(dir, 'index.html'), html);
  await writeFile(join(dir, 'assets', 'index-abc123.js'), script);
  await writeFile(join(dir, 'assets', 'index-abc123.js.br'), brotliCompressSync(script));
  await writeFile(join(dir, 'assets', 'index-abc123.js.gz'), gzipSync(script));
  await writeFile(join(dir, 'assets', 'notes.txt'), 'not a served type');
  await writeFile(join(dir, '.build-stamp'), 'hash\n');
}

async function appFor(distDir: string): Promise<FastifyInstance> {
  const app = Fastify();
  await registerDashboardRoutes(app, { distDir });
  await app.ready();
  return app;
}

describe('dashboard routes', () => {
  let root = '';
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'pulse-dashboard-routes-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('/ and /dashboard redirect to /dashboard/, keeping the query', async () => {
    const dist = join(root, 'redirects');
    await writeBuild(dist);
    const app = await appFor(dist);
    const home = await app.inject({ url: '/' });
    assert.equal(home.statusCode, 302);
    assert.equal(home.headers.location, '/dashboard/');
    const bare = await app.inject({ url: '/dashboard?site=shop' });
    assert.equal(bare.statusCode, 301);
    assert.equal(bare.headers.location, '/dashboard/?site=shop');
    await app.close();
  });

  test('index.html is revalidated every time (no-cache, ETag, 304)', async () => {
    const dist = join(root, 'index');
    await writeBuild(dist);
    const app = await appFor(dist);
    const first = await app.inject({ url: '/dashboard/?site=demo' });
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(first.headers['cache-control'], 'no-cache');
    assert.equal(first.body, indexHtml);
    const etag = String(first.headers.etag);
    const again = await app.inject({ url: '/dashboard/', headers: { 'if-none-match': etag } });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
    await app.close();
  });

  test('hashed assets are cached for a year and sent precompressed when the client accepts it', async () => {
    const dist = join(root, 'assets');
    await writeBuild(dist);
    const app = await appFor(dist);
    const url = '/dashboard/assets/index-abc123.js';
    const br = await app.inject({ url, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(br.statusCode, 200);
    assert.equal(br.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(br.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(br.headers.vary, 'accept-encoding');
    assert.equal(brotliDecompressSync(br.rawPayload).toString(), script);
    const gzip = await app.inject({ url, headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gzip.headers['content-encoding'], 'gzip');
    const plain = await app.inject({ url });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.body, script);
    await app.close();
  });

  test('only files of the build are served: no traversal, no compressed siblings or unknown types by name', async () => {
    const dist = join(root, 'only');
    await writeBuild(dist);
    await writeFile(join(root, 'secret.html'), 'TOP-SECRET-CONTENT');
    const app = await appFor(dist);
    for (const url of [
      '/dashboard/../secret.html',
      '/dashboard/%2e%2e/secret.html',
      '/dashboard/assets/..%2f..%2fsecret.html',
      '/dashboard/assets/index-abc123.js.br',
      '/dashboard/assets/notes.txt',
      '/dashboard/.build-stamp',
      '/dashboard/assets/missing.js',
    ]) {
      const response = await app.inject({ url });
      assert.equal(response.statusCode, 404, url);
      assert.ok(!response.body.includes('TOP-SECRET-CONTENT'), url);
    }
    await app.close();
  });

  test('without a build: 503 with how to build it; a build made later is served without a restart', async () => {
    const dist = join(root, 'later');
    const app = await appFor(dist);
    const missing = await app.inject({ url: '/dashboard/' });
    assert.equal(missing.statusCode, 503);
    assert.match(missing.body, /npm run build:dashboard/);
    await writeBuild(dist);
    const built = await app.inject({ url: '/dashboard/' });
    assert.equal(built.statusCode, 200);
    assert.equal(built.body, indexHtml);

    // A rebuild (new index.html) replaces what is served.
    const next = indexHtml.replace('Pulse', 'Pulse 2');
    await writeFile(join(dist, 'index.html'), next);
    const later = new Date(Date.now() + 5000);
    await utimes(join(dist, 'index.html'), later, later);
    const rebuilt = await app.inject({ url: '/dashboard/' });
    assert.equal(rebuilt.body, next);
    await app.close();
  });
});
