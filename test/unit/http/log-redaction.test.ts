import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { registerAlertRoutes } from '../../../src/alerts/alert-routes.ts';
import { ingestTopicSpecs } from '../../../src/bus/topics.ts';
import { ingestSettings } from '../../../src/config/ingest-settings.ts';
import { createHttpApp } from '../../../src/http/http-app.ts';
import { buildIngestApp } from '../../../src/ingest/ingest-app.ts';
import { createIngestMetrics } from '../../../src/ingest/ingest-metrics.ts';
import { REDACTED, createLogger, type Logger } from '../../../src/shared/logger.ts';
import { openBus } from '../../helpers/embedded-bus.ts';
import { CHROME_UA, pageView } from '../../helpers/events.ts';
import { suiteConfig } from '../../helpers/ingest-suite.ts';

const BEARER = 'Bearer secret-token-7f3a9c1e5b2d4086';
const COOKIE = 'pulse_session=cookie-value-91c2e4b7a0d3';
const PAYLOAD = 'payload-marker-5e8d1f4a7c';
const PASSWORD = 'kafka-password-4b9e2a7d1c';
const secrets = [BEARER, 'secret-token-7f3a9c1e5b2d4086', COOKIE, 'cookie-value-91c2e4b7a0d3', PAYLOAD, PASSWORD];

/** A logger at `trace` (everything is written) whose lines are kept in memory. */
function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger('trace', 'test', { write: (line: string) => void lines.push(line) }), lines };
}

function assertNoSecrets(lines: readonly string[]): void {
  const text = lines.join('');
  for (const secret of secrets) assert.ok(!text.includes(secret), `"${secret}" reached the log:\n${text}`);
}

const sensitiveRequest = (url: string, body: unknown) => ({
  method: 'POST' as const,
  url,
  payload: JSON.stringify(body),
  headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA, authorization: BEARER, cookie: COOKIE },
});

async function ingest(t: TestContext, logger: Logger): Promise<{ app: FastifyInstance; close: () => Promise<void> }> {
  const config = suiteConfig({ PULSE_LOG_LEVEL: 'trace' });
  const bus = await openBus(t);
  await bus.ensureTopics(ingestTopicSpecs(config));
  const app = await buildIngestApp({ bus, settings: ingestSettings(config), logger, metrics: createIngestMetrics() });
  t.after(() => app.close());
  return { app, close: () => bus.close() };
}

test('ingest logs neither the credentials of a request nor the events it carries, even at trace level and when the bus fails', async (t) => {
  const { logger, lines } = capturingLogger();
  const { app, close } = await ingest(t, logger);
  const event = pageView({ title: PAYLOAD, props: { note: PAYLOAD } });
  assert.equal((await app.inject(sensitiveRequest('/api/events', event))).statusCode, 202);
  assert.equal((await app.inject(sensitiveRequest('/api/events', { ...event, duration: PAYLOAD }))).statusCode, 400); // to the DLQ
  assert.equal((await app.inject(sensitiveRequest('/api/events', `{"title": "${PAYLOAD}", `))).statusCode, 400); // malformed
  await close(); // the bus goes away: the 503 is logged with its error
  assert.equal((await app.inject(sensitiveRequest('/api/events', event))).statusCode, 503);
  assert.ok(lines.length > 0, 'the failure was logged');
  assertNoSecrets(lines);
});

test('request logging of the other servers keeps method and URL, not headers or bodies; the webhook token never shows', async (t) => {
  const { logger, lines } = capturingLogger();
  const app = createHttpApp({ logger });
  registerAlertRoutes(app, { token: 'the-admin-token-0123456789' });
  app.post('/echo', async (request) => {
    // A careless log line of a future route: headers and secret-named fields are redacted all the same.
    request.log.info({ headers: request.headers, sasl: { password: PASSWORD }, password: PASSWORD }, 'careless');
    request.log.info({ req: { headers: request.headers } }, 'careless, nested');
    return { ok: true };
  });
  app.post('/crash', async () => {
    throw new Error('handler failed');
  });
  t.after(() => app.close());

  const refused = await app.inject(sensitiveRequest('/api/alerts/webhook', { receiver: PAYLOAD }));
  assert.equal(refused.statusCode, 401);
  assert.equal((await app.inject(sensitiveRequest('/echo', { note: PAYLOAD }))).statusCode, 200);
  assert.equal((await app.inject(sensitiveRequest('/crash', { note: PAYLOAD }))).statusCode, 500);

  const text = lines.join('');
  assert.match(text, /incoming request/, 'request logging is on');
  assert.match(text, /"url":"\/echo"/);
  assert.match(text, /handler failed/, 'the 500 is logged');
  assert.ok(text.includes(`"authorization":"${REDACTED}"`) && text.includes(`"cookie":"${REDACTED}"`), 'logged headers are redacted');
  assert.ok(text.includes(`"password":"${REDACTED}"`));
  assertNoSecrets(lines);
});
