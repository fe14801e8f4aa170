import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { startEmbedded } from '../../src/runtime/embedded.ts';
import type { Running } from '../../src/runtime/lifecycle.ts';
import { adminHeaders, testAdminToken } from '../helpers/services.ts';

/**
 * Every route in the OpenAPI document of `pulse start`, called as nobody, as a viewer of one site,
 * and with a share link of another: protected routes answer 401 without credentials and 403
 * without the role or the site. The expectations are written here, not read from the policy.
 */
const publicRoutes = new Set([
  'POST /api/events',
  'POST /api/coordinates',
  'POST /api/auth/login',
  'GET /api/auth/setup',
  'POST /api/auth/setup',
  'GET /api/shop/search',
  'GET /api/shop/recommendations',
  'POST /api/alerts/webhook',
]);
const adminPrefixes = ['/api/admin/', '/api/topics', '/api/kafka/', '/api/users'];
/** The dashboard's files, the tracker, /health, /status, /openapi.json: outside the APIs, nothing to protect. */
const outsideApis = (route: string) => !route.startsWith('/api/') && !route.startsWith('/query/');
const isAdminRoute = (method: string, path: string) =>
  adminPrefixes.some((p) => path.startsWith(p)) || path.startsWith('/api/sites/') || (path === '/api/sites' && method !== 'GET');
const isReadRoute = (method: string, path: string) =>
  method === 'GET' &&
  (path.startsWith('/api/stats') ||
    path.startsWith('/api/history') ||
    path.startsWith('/query/') ||
    ['/api/sites', '/api/auth/me', '/api/stream'].includes(path));

let running: Running;
let dataDir: string;
let viewer: Record<string, string>;
let share: Record<string, string>;

async function call(method: string, path: string, headers: Record<string, string>): Promise<{ status: number; error: string | undefined }> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), 10_000);
  try {
    const body = method === 'GET' || method === 'HEAD' || method === 'DELETE' ? undefined : '{}';
    const response = await fetch(`${running.url}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body }),
      signal: stop.signal,
    });
    const type = response.headers.get('content-type') ?? '';
    if (type.includes('text/event-stream')) {
      await response.body?.cancel();
      return { status: response.status, error: undefined };
    }
    const text = await response.text();
    const error = type.includes('json') && text !== '' ? (JSON.parse(text) as { error?: string }).error : undefined;
    return { status: response.status, error };
  } finally {
    clearTimeout(timer);
  }
}

const post = async (path: string, body: unknown) => {
  const response = await fetch(`${running.url}${path}`, {
    method: 'POST',
    headers: { ...adminHeaders, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.ok(response.ok, `${path}: ${response.status} ${await response.clone().text()}`);
  return response.json() as Promise<Record<string, string>>;
};

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'pulse-access-'));
  running = await startEmbedded(
    loadConfig({
      PULSE_PORT: '0',
      PULSE_DATA_DIR: dataDir,
      PULSE_LOG_LEVEL: 'silent',
      PULSE_SITES: 'alpha,beta',
      PULSE_ADMIN_TOKEN: testAdminToken,
    }),
  );
  await post('/api/users', { username: 'viewer', password: 'a long enough password', role: 'viewer', sites: ['alpha'] });
  viewer = { authorization: `Bearer ${(await post('/api/users/viewer/tokens', { name: 'access-test' }))['token']}` };
  const link = await post('/api/sites/beta/shares', {});
  const opened = await fetch(`${running.url}${link['url']}`, { redirect: 'manual' });
  assert.equal(opened.status, 303);
  assert.equal(opened.headers.get('location'), '/dashboard/?site=beta');
  const cookie = /pulse_share=([^;]+)/.exec(opened.headers.get('set-cookie') ?? '')?.[1];
  assert.ok(cookie !== undefined, 'the share link sets its cookie');
  share = { cookie: `pulse_share=${cookie}` };
});

after(async () => {
  await running.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Every documented operation, path parameters filled with values of the right shape. */
async function operations(): Promise<{ method: string; route: string; path: string; bySite: boolean }[]> {
  const doc = (await (await fetch(`${running.url}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
  };
  const values: Record<string, string> = { key: 'beta', id: '00000000-0000-4000-8000-000000000000', username: 'viewer', userId: 'u-1' };
  return Object.entries(doc.paths).flatMap(([route, methods]) =>
    Object.keys(methods)
      .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
      .map((m) => ({
        method: m.toUpperCase(),
        route,
        path: route.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? 'x'),
        bySite: (methods[m]?.parameters ?? []).some((p) => p.in === 'query' && p.name === 'site'),
      })),
  );
}

test('every protected route answers 401 without credentials; public ones do not ask for any', async () => {
  const all = await operations();
  assert.ok(all.length >= 50, `${all.length} operations documented`);
  let protectedCount = 0;
  for (const { method, route, path } of all) {
    const answer = await call(method, path, {});
    if (publicRoutes.has(`${method} ${route}`) || outsideApis(route)) {
      assert.ok(answer.status !== 401 && answer.status !== 403, `${method} ${route} is public: ${answer.status}`);
    } else {
      protectedCount += 1;
      assert.deepEqual([answer.status, answer.error], [401, 'unauthorized'], `${method} ${route}`);
    }
  }
  assert.ok(protectedCount >= 40, `${protectedCount} protected operations`);
});

test('a viewer gets 403 on every admin route and on a site not granted, and is served the rest', async () => {
  for (const { method, route, path, bySite } of await operations()) {
    if (publicRoutes.has(`${method} ${route}`) || outsideApis(route)) continue;
    const answer = await call(method, path, viewer);
    if (isAdminRoute(method, route)) {
      assert.deepEqual([answer.status, answer.error], [403, 'admin_only'], `${method} ${route}`);
      continue;
    }
    assert.ok(answer.status !== 401 && answer.status !== 403, `${method} ${route} for a viewer: ${answer.status} ${answer.error}`);
    if (bySite) {
      const other = await call(method, `${path}${path.includes('?') ? '&' : '?'}site=beta`, viewer);
      assert.deepEqual([other.status, other.error], [403, 'site_forbidden'], `${method} ${route}?site=beta`);
    }
  }
});

test('a share link reads its own site only, and nothing but figures', async () => {
  for (const { method, route, path, bySite } of await operations()) {
    if (publicRoutes.has(`${method} ${route}`) || outsideApis(route)) continue;
    const answer = await call(method, path, share);
    if (isReadRoute(method, route)) {
      assert.ok(answer.status !== 401 && answer.status !== 403, `${method} ${route} via a share link: ${answer.status} ${answer.error}`);
      if (bySite) {
        const other = await call(method, `${path}${path.includes('?') ? '&' : '?'}site=alpha`, share);
        assert.deepEqual([other.status, other.error], [403, 'site_forbidden'], `${method} ${route}?site=alpha via a share link`);
      }
    } else {
      assert.equal(answer.status, 403, `${method} ${route} via a share link`);
    }
  }
});
