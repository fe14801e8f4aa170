import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { AlertBoardSnapshot } from '../../../src/alerts/alert-board.ts';
import { registerAlertRoutes } from '../../../src/alerts/alert-routes.ts';
import { createHttpApp } from '../../../src/http/http-app.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { sseReader } from '../../helpers/sse-reader.ts';

const TOKEN = 'alerts-test-token-0123456789';
const logger = createLogger('silent', 'test');

const firing = {
  status: 'firing',
  labels: { alertname: 'KafkaBrokerDown', severity: 'critical', instance: '127.0.0.1:19405' },
  annotations: { summary: 'Broker 2 is down' },
  startsAt: '2025-03-01T12:00:00.123456789Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://127.0.0.1:19490/graph',
  fingerprint: 'a1b2c3d4e5f60718',
};
const payload = (alerts: unknown[] = [firing], extra: Record<string, unknown> = {}) => ({
  version: '4',
  groupKey: '{}:{alertname="KafkaBrokerDown"}',
  truncatedAlerts: 0,
  status: 'firing',
  receiver: 'pulse',
  groupLabels: { alertname: 'KafkaBrokerDown' },
  commonLabels: {},
  commonAnnotations: {},
  externalURL: 'http://127.0.0.1:19493',
  alerts,
  ...extra,
});

let open: FastifyInstance;
let guarded: FastifyInstance;

before(async () => {
  open = createHttpApp({ logger });
  registerAlertRoutes(open);
  guarded = createHttpApp({ logger });
  registerAlertRoutes(guarded, { token: TOKEN });
  await Promise.all([open.ready(), guarded.ready()]);
});

after(async () => {
  await Promise.all([open.close(), guarded.close()]);
});

const post = (app: FastifyInstance, body: unknown, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url: '/api/alerts/webhook',
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('POST /api/alerts/webhook', () => {
  test('takes an Alertmanager notification and GET /api/alerts shows it', async () => {
    const response = await post(open, payload());
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), { accepted: 1, firing: 1, resolved: 0, stale: 0 });
    const board = (await open.inject({ method: 'GET', url: '/api/alerts' })).json<AlertBoardSnapshot>();
    assert.equal(board.firing.length, 1);
    assert.equal(board.firing[0]?.name, 'KafkaBrokerDown');
    assert.equal(board.firing[0]?.summary, 'Broker 2 is down');
    assert.equal(board.firing[0]?.startsAt, Date.parse('2025-03-01T12:00:00.123Z'), 'nanoseconds are read');
    assert.equal(board.source, 'http://127.0.0.1:19493');
  });

  test('accepts fields it does not know (a newer Alertmanager) and a notification without alerts', async () => {
    assert.equal((await post(open, payload([{ ...firing, newField: 1 }], { somethingNew: { a: 1 } }))).statusCode, 200);
    assert.equal((await post(open, payload([]))).statusCode, 200);
  });

  const invalid: [string, unknown, RegExp][] = [
    ['no alerts list', { status: 'firing' }, /alerts/],
    ['an unknown status', payload([], { status: 'burning' }), /status/],
    ['an alert with an unknown status', payload([{ ...firing, status: 'pending' }]), /alerts\/0\/status/],
    ['an alert without labels', payload([{ ...firing, labels: undefined }]), /labels/],
    ['a label value that is an object', payload([{ ...firing, labels: { alertname: { nested: true } } }]), /labels/],
    ['a start that is no time', payload([{ ...firing, startsAt: 'yesterday' }]), /startsAt/],
    ['another payload version', payload([], { version: '5' }), /version/],
    ['more alerts than allowed', payload(Array.from({ length: 1001 }, () => firing)), /alerts/],
    ['a list, not a notification', [firing], /object/],
  ];
  for (const [what, body, field] of invalid) {
    test(`refuses ${what} with 400 invalid_notification`, async () => {
      const response = await post(open, body);
      assert.equal(response.statusCode, 400, response.body);
      const answer = response.json<{ error: string; message: string }>();
      assert.equal(answer.error, 'invalid_notification');
      assert.match(answer.message, /^not an Alertmanager webhook notification: /);
      assert.match(answer.message, field);
    });
  }

  test('refuses malformed JSON, an empty body and other media types through the one error handler', async () => {
    const malformed = await post(open, '{"status": ');
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.json<{ error: string }>().error, 'malformed_json');
    const empty = await post(open, '');
    assert.equal(empty.statusCode, 400);
    const form = await open.inject({
      method: 'POST',
      url: '/api/alerts/webhook',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'a=b',
    });
    assert.equal(form.statusCode, 415);
    assert.equal(form.json<{ error: string }>().error, 'unsupported_media_type');
  });

  test('refuses a body over 1 MiB with 413', async () => {
    const big = payload([{ ...firing, annotations: { summary: 'x'.repeat(16_000) } }]);
    const many = {
      ...big,
      alerts: Array.from({ length: 80 }, (_, i) => ({ ...firing, fingerprint: `f${i}`, annotations: { summary: 'x'.repeat(16_000) } })),
    };
    const response = await post(open, many);
    assert.equal(response.statusCode, 413);
    assert.equal(response.json<{ error: string }>().error, 'body_too_large');
  });

  test('with PULSE_ADMIN_TOKEN set, needs Authorization: Bearer <token>', async () => {
    const missing = await post(guarded, payload());
    assert.equal(missing.statusCode, 401);
    assert.equal(missing.json<{ error: string }>().error, 'unauthorized');
    const wrong = await post(guarded, payload(), { authorization: `Bearer ${TOKEN}x` });
    assert.equal(wrong.statusCode, 401);
    const basic = await post(guarded, payload(), { authorization: `Basic ${Buffer.from(`pulse:${TOKEN}`).toString('base64')}` });
    assert.equal(basic.statusCode, 401);
    // Refused before the body is looked at: an unauthenticated sender learns nothing about validation.
    assert.equal((await post(guarded, { junk: true })).statusCode, 401);
    const right = await post(guarded, payload(), { authorization: `Bearer ${TOKEN}` });
    assert.equal(right.statusCode, 200, right.body);
    // Reading the board stays open, like the stats API the dashboard reads.
    const board = await guarded.inject({ method: 'GET', url: '/api/alerts' });
    assert.equal(board.statusCode, 200);
    assert.equal(board.json<AlertBoardSnapshot>().firing.length, 1);
  });
});

describe('GET /api/alerts/stream', () => {
  test('sends the board on connect and after every change, and pings', async () => {
    const app = createHttpApp({ logger });
    registerAlertRoutes(app, { pingMs: 50 });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const response = await fetch(`${url}/api/alerts/stream`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
      assert.ok(response.body !== null);
      const events = sseReader(response.body);
      const first = await events.next();
      assert.equal(first.event, 'alerts');
      assert.deepEqual((first.data as AlertBoardSnapshot).firing, []);

      const posted = await fetch(`${url}/api/alerts/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload()),
      });
      assert.equal(posted.status, 200);
      let next = await events.next();
      while (next.event === 'ping') next = await events.next();
      assert.equal(next.event, 'alerts');
      assert.deepEqual(
        (next.data as AlertBoardSnapshot).firing.map((a) => a.name),
        ['KafkaBrokerDown'],
      );

      let ping = await events.next();
      while (ping.event !== 'ping') ping = await events.next();
      assert.equal(typeof (ping.data as { serverTime: number }).serverTime, 'number');
      await events.cancel();
    } finally {
      await app.close();
    }
  });
});
