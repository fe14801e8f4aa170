import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createEmbeddedBus } from '../../../src/bus/embedded/embedded-bus.ts';
import { loadConfig } from '../../../src/config/config.ts';
import { ingestSettings } from '../../../src/config/ingest-settings.ts';
import { COLLECTED_SITE_KEY, genericErrorStatuses, toOpenApi30, withSiteKeys } from '../../../src/http/api-contract.ts';
import { createHttpApp } from '../../../src/http/http-app.ts';
import { buildIngestApp } from '../../../src/ingest/ingest-app.ts';
import { createIngestMetrics } from '../../../src/ingest/ingest-metrics.ts';
import { createLogger } from '../../../src/shared/logger.ts';

const logger = createLogger('silent', 'test');

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }>; headers?: Record<string, unknown> }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Record<string, unknown>> };
}

async function ingestDocument(sites: string): Promise<{ doc: Document; close: () => Promise<void>; sites: Set<string> | 'any' }> {
  const dir = await mkdtemp(join(tmpdir(), 'pulse-contract-'));
  const bus = await createEmbeddedBus({ dir });
  const settings = ingestSettings(loadConfig({ PULSE_SITES: sites, PULSE_MAX_BATCH: '25' }));
  const app = await buildIngestApp({ bus, settings, logger, metrics: createIngestMetrics() });
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<Document>();
  return {
    doc,
    sites: settings.sites as Set<string> | 'any',
    close: async () => {
      await app.close();
      await bus.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Keywords of JSON Schema that OpenAPI 3.0's Schema Object does not have (or spells differently). */
const notOpenApi30 = ['const', '$id', '$schema', 'patternProperties', 'examples', 'if', 'then', 'else', 'prefixItems', 'contains', '$defs'];

function* schemaProblems(node: unknown, path: string): Generator<string> {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) yield* schemaProblems(item, `${path}/${i}`);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  for (const [key, value] of Object.entries(node)) {
    const inProperties = path.endsWith('/properties');
    if (!inProperties && notOpenApi30.includes(key)) yield `${path}: ${key}`;
    if (!inProperties && (key === 'exclusiveMinimum' || key === 'exclusiveMaximum') && typeof value !== 'boolean') yield `${path}: ${key}`;
    if (!inProperties && key === 'type' && (Array.isArray(value) || value === 'null')) yield `${path}: type ${JSON.stringify(value)}`;
    yield* schemaProblems(value, `${path}/${key}`);
  }
}

test('the ingest OpenAPI document is OpenAPI 3.0: no draft-07-only keywords, one shared error body on every error answer', async () => {
  const { doc, close } = await ingestDocument('demo');
  try {
    assert.equal(doc.openapi, '3.0.3');
    assert.deepEqual([...schemaProblems(doc, '')], []);
    assert.deepEqual(doc.components.schemas['Error']?.['required'], ['error', 'message']);
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const statuses = Object.keys(operation.responses);
        assert.ok(
          statuses.some((s) => /^[23]/.test(s)),
          `${method} ${path} documents its success`,
        );
        assert.ok(statuses.includes('500'), `${method} ${path} documents 500`);
        for (const status of statuses.filter((s) => /^[45]/.test(s))) {
          const schema = operation.responses[status]?.content?.['application/json']?.schema as Record<string, unknown> | undefined;
          const refs = JSON.stringify(schema ?? {});
          assert.match(refs, /#\/components\/schemas\/Error/, `${method} ${path} ${status} is the shared error body`);
        }
      }
    }
    const events = doc.paths['/api/events']?.['post'];
    assert.deepEqual(Object.keys(events?.responses ?? {}).sort(), ['202', '400', '403', '413', '415', '429', '431', '500', '503']);
    assert.ok(events?.responses['503']?.headers?.['retry-after'], '503 documents retry-after');
  } finally {
    await close();
  }
});

test('the collect body documents the batch limits and the site keys this Pulse collects for, as of now', async () => {
  const { doc, sites, close } = await ingestDocument('demo,shop');
  try {
    const body = JSON.stringify(doc.paths['/api/events']?.['post']);
    assert.match(body, /"minItems":1,"maxItems":25/);
    assert.match(body, /"text\/plain"/);
    const siteOf = (id: string) => (doc.components.schemas[id]?.['properties'] as Record<string, Record<string, unknown>>)['site'];
    assert.deepEqual(siteOf('page_view_event')?.['enum'], ['demo', 'shop']);
    assert.deepEqual(siteOf('coordinates_event')?.['enum'], ['demo', 'shop']);
    assert.ok(
      !(doc.components.schemas['coordinates_event']?.['required'] as string[]).includes('type'),
      '/api/coordinates takes events without type',
    );
    assert.match(
      String((doc.components.schemas['page_view_event']?.['properties'] as Record<string, { pattern?: string }>)['event_id']?.pattern),
      /8,64/,
    );
    // A site added at run time (the dashboard's sites) is in the next document.
    assert.notEqual(sites, 'any');
    if (sites !== 'any') sites.add('blog');
    const later = withSiteKeys({ properties: { site: { type: 'string', title: COLLECTED_SITE_KEY } } }, sites);
    assert.deepEqual(later.properties.site, { type: 'string', title: COLLECTED_SITE_KEY, enum: ['blog', 'demo', 'shop'] });
  } finally {
    await close();
  }
  const open = await ingestDocument('*');
  try {
    assert.doesNotMatch(JSON.stringify(open.doc.components.schemas['page_view_event']), /"enum":\["demo"/, 'any key: no list');
  } finally {
    await open.close();
  }
});

test('numeric exclusive bounds become OpenAPI 3.0 boolean flags', () => {
  assert.deepEqual(toOpenApi30({ a: { type: 'number', exclusiveMinimum: 0, maximum: 10 } }), {
    a: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 10 },
  });
  assert.deepEqual(toOpenApi30({ type: 'number', exclusiveMaximum: 5, maximum: 9, minimum: 1, exclusiveMinimum: 0 }), {
    type: 'number',
    maximum: 5,
    exclusiveMaximum: true,
    minimum: 1,
  });
});

test('the generic error answers follow from how a route is declared', () => {
  assert.deepEqual(genericErrorStatuses({ method: 'GET', schema: {} }), [431, 500]);
  assert.deepEqual(genericErrorStatuses({ method: 'GET', schema: { querystring: {} } }), [400, 431, 500]);
  assert.deepEqual(genericErrorStatuses({ method: 'POST', schema: {}, config: { rateLimit: {} } }), [400, 413, 415, 429, 431, 500]);
});

test('a known path asked with another method answers 405 with Allow and the error body; an unknown path stays 404', async () => {
  const app = createHttpApp({ logger });
  app.get('/things/:id', async () => ({ ok: true }));
  app.post('/things/:id', async () => ({ ok: true }));
  app.get('/only-get', async () => ({ ok: true }));
  try {
    const put = await app.inject({ method: 'PUT', url: '/things/7?x=1', payload: { a: 1 } });
    assert.equal(put.statusCode, 405);
    assert.equal(put.headers['allow'], 'GET, HEAD, POST');
    assert.deepEqual(put.json(), { error: 'method_not_allowed', message: 'PUT is not allowed on /things/7; allowed: GET, HEAD, POST' });
    // Methods with a body are refused before it is read (no content-type error first).
    const query = await app.inject({ method: 'QUERY', url: '/only-get' });
    assert.equal(query.statusCode, 405);
    assert.equal(query.headers['allow'], 'GET, HEAD');
    const trace = await app.inject({ method: 'TRACE', url: '/only-get' });
    assert.equal(trace.statusCode, 405);
    const missing = await app.inject({ method: 'PUT', url: '/nothing/here' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json<{ error: string }>().error, 'not_found');
  } finally {
    await app.close();
  }
});

test('requests are validated exactly as documented: bodies are not coerced and unknown properties are refused, not dropped', async () => {
  const app = createHttpApp({ logger });
  app.post(
    '/closed',
    {
      schema: {
        body: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string' }, n: { type: 'integer' } },
          additionalProperties: false,
        },
      },
    },
    async (request) => request.body,
  );
  app.get(
    '/count',
    { schema: { querystring: { type: 'object', properties: { n: { type: 'integer' } } } } },
    async (request) => request.query,
  );
  try {
    assert.equal((await app.inject({ method: 'POST', url: '/closed', payload: { name: 'a', n: 2 } })).statusCode, 200);
    const extra = await app.inject({ method: 'POST', url: '/closed', payload: { name: 'a', other: 1 } });
    assert.equal(extra.statusCode, 400);
    assert.match(extra.json<{ message: string }>().message, /must NOT have additional properties/);
    assert.equal((await app.inject({ method: 'POST', url: '/closed', payload: { name: false } })).statusCode, 400, 'false is not "false"');
    assert.equal((await app.inject({ method: 'POST', url: '/closed', payload: { name: 'a', n: '2' } })).statusCode, 400, '"2" is not 2');
    // Query strings are text: they are still read as their declared types.
    assert.deepEqual((await app.inject({ method: 'GET', url: '/count?n=3' })).json(), { n: 3 });
  } finally {
    await app.close();
  }
});

test('long path parameters reach the route schema, and over-long request headers answer 431 with the error body', async () => {
  const app = createHttpApp({ logger });
  app.get(
    '/topics/:topic',
    { schema: { params: { type: 'object', properties: { topic: { type: 'string', maxLength: 249 } } } } },
    async (r) => r.params,
  );
  try {
    const long = 't'.repeat(249);
    assert.equal((await app.inject({ method: 'GET', url: `/topics/${long}` })).statusCode, 200, 'a 249-character topic name is routed');
    const tooLong = await app.inject({ method: 'GET', url: `/topics/${long}x` });
    assert.equal(tooLong.statusCode, 400);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ port, host: '127.0.0.1', path: '/topics/a', headers: { 'x-big': 'x'.repeat(20_000) } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(answer.status, 431);
    assert.equal((JSON.parse(answer.body) as { error: string }).error, 'headers_too_large');
  } finally {
    await app.close();
  }
});
