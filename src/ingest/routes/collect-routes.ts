import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Bus } from '../../bus/bus.ts';
import { dlqOf } from '../../bus/topics.ts';
import type { IngestSettings } from '../../config/ingest-settings.ts';
import { MouseMove, eventSchemas, eventTypes, type EventType } from '../../contract/event-schema.ts';
import { ERROR_SCHEMA_ID, collectedSiteKey, errorResponse, errorResponses } from '../../http/api-contract.ts';
import { PulseError, errorCodes, withTimeout } from '../../shared/errors.ts';
import { SeedActivity, SeedCoordinates, SeedEventType, defaultSiteOf, mapSeedRequest } from '../../contract/seed-requests.ts';
import type { IngestMetrics } from '../ingest-metrics.ts';
import { planBatch, type BatchPlan } from '../plan-batch.ts';
import { createSiteRateLimiter, eventsPerSite, rateLimited, type SiteRateLimiter } from '../site-rate-limit.ts';

export interface CollectDeps {
  bus: Bus;
  settings: IngestSettings;
  metrics: IngestMetrics;
  now: () => Date;
}

const Accepted = Type.Object({
  accepted: Type.Integer(),
  rejected: Type.Integer(),
  errors: Type.Array(Type.Object({ index: Type.Integer(), reason: Type.String() })),
});
/** A refused batch: the shared error body, with what happened to each event when the batch was read. */
const refusal = (description: string) => ({
  description,
  content: {
    'application/json': {
      schema: {
        allOf: [
          { $ref: `${ERROR_SCHEMA_ID}#` },
          {
            type: 'object',
            properties: {
              accepted: { type: 'integer', minimum: 0 },
              rejected: { type: 'integer', minimum: 0 },
              errors: Accepted.properties.errors,
            },
          },
        ],
      },
    },
  },
});

/**
 * The documented form of one event variant on this server: `site` one of the site keys it
 * collects for (listed in /openapi.json), `type` optional where the route supplies it. Validation
 * itself stays per event (src/contract/validate-event.ts).
 */
function eventDoc(variant: TSchema, id: string, typeOptional: boolean): object {
  const schema = JSON.parse(JSON.stringify(variant)) as { $id?: string; properties: Record<string, object>; required: string[] };
  delete schema.$id;
  schema.properties['site'] = collectedSiteKey(
    'Site key the event belongs to: one this Pulse collects for (403 `unknown_site` otherwise).',
  );
  if (typeOptional) schema.required = schema.required.filter((name) => name !== 'type');
  return { ...schema, $id: id, title: id };
}

/**
 * POST /api/events and /api/coordinates. The body schema is for the OpenAPI
 * document only: validation is per event (planBatch) so one bad event in a
 * batch neither hides the good ones nor escapes the DLQ.
 */
export function registerCollectRoutes(app: FastifyInstance, deps: CollectDeps): void {
  const { sites, topics } = deps.settings;
  const limit = deps.settings.rateLimitPerMinute;
  // Per client IP, one budget over the collect routes (@fastify/rate-limit, registered by buildIngestApp), checked
  // before the body is read; the 429 goes through the shared error handler with the plugin's Retry-After.
  const ipLimit =
    limit > 0
      ? (app.rateLimit({
          max: limit,
          timeWindow: 60_000,
          errorResponseBuilder: (_request, context) =>
            rateLimited(`more than ${limit} requests a minute from this address; retry in ${context.after}`),
        }) as onRequestAsyncHookHandler)
      : undefined;
  // Per site key over all IPs, counted in events once the body is parsed: shared by both routes (and the alias).
  const siteLimit = createSiteRateLimiter({ max: deps.settings.siteRateLimitPerMinute });
  // The series of the collect topics exist from the start (at 0), so dashboards and alerts see them before traffic.
  for (const topic of [topics.userActivity, topics.mouseCoordinates]) {
    deps.metrics.accepted.inc({ topic }, 0);
    deps.metrics.dlqRecords.inc({ topic: dlqOf(topic) }, 0);
  }
  const variants = (ids: readonly string[]) =>
    ids.length === 1 ? { $ref: `${ids[0]}#` } : { anyOf: ids.map((id) => ({ $ref: `${id}#` })) };
  const route = (url: string, allowedTypes: readonly EventType[], ids: readonly string[], description: string) => {
    const one = variants(ids);
    const body = {
      anyOf: [one, { type: 'array', items: one, minItems: 1, maxItems: deps.settings.maxBatch, description: 'A batch (PULSE_MAX_BATCH).' }],
    };
    return app.post(url, {
      ...(ipLimit === undefined ? {} : { onRequest: ipLimit }),
      schema: {
        description: `${description} The body is JSON, sent as \`application/json\` or \`text/plain\` (navigator.sendBeacon). A batch is taken event by event: valid events are accepted (202) while invalid ones are dead-lettered and listed in \`errors\`.`,
        body: { content: { 'application/json': { schema: body }, 'text/plain': { schema: body } } },
        response: {
          202: { description: 'At least one event was accepted; `errors` lists the refused ones by index.', ...Accepted },
          400: refusal('No event was accepted (every one is invalid), the batch is empty, or the body is not JSON.'),
          403: refusal('Every event names a site key this Pulse does not collect for, or the page origin may not send events.'),
          413: errorResponse(413, 'The body is larger than PULSE_MAX_BODY_BYTES, or the batch holds more than PULSE_MAX_BATCH events.'),
          ...errorResponses(429, 503),
        },
      },
      validatorCompiler: () => () => true,
      handler: (request, reply) =>
        collect(request, reply, deps, siteLimit, {
          sites,
          topics,
          shieldOf: deps.settings.shieldOf,
          allowedTypes,
          defaultType: allowedTypes.length === 1 ? allowedTypes[0] : undefined,
          source: url,
        }),
    });
  };

  const eventIds = eventTypes.map((type) => {
    const id = `${type}_event`;
    app.addSchema(eventDoc(eventSchemas[type], id, false));
    return id;
  });
  app.addSchema(eventDoc(MouseMove, 'coordinates_event', true));
  // The seeds' own clients' shapes (src/contract/seed-requests.ts), mapped to the contract before validation.
  const seedIds = ['seed_event_type_event', 'seed_activity_event', 'seed_coordinates_event'];
  [SeedEventType, SeedActivity, SeedCoordinates].forEach((schema, i) => app.addSchema(eventDoc(schema, seedIds[i] ?? '', false)));
  route('/api/events', eventTypes, [...eventIds, ...seedIds], 'Collect one event or a JSON array of events.');
  route(
    '/api/coordinates',
    ['mouse_move'],
    ['coordinates_event', 'seed_coordinates_event'],
    'Collect mouse positions (x, y and the viewport); `type` may be omitted.',
  );
}

async function collect(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: CollectDeps,
  siteLimit: SiteRateLimiter,
  options: Parameters<typeof planBatch>[2],
): Promise<FastifyReply> {
  const body = Array.isArray(request.body) ? request.body : [request.body];
  // The seeds' own clients post shapes of their own: mapped to the contract first (src/contract/seed-requests.ts).
  const site = deps.settings.defaultSite ?? defaultSiteOf(options.sites);
  const events = body.map(mapSeedRequest({ defaultSite: site, referer: request.headers.referer, now: deps.now() }));
  if (events.length === 0) return reply.code(400).send({ error: 'empty_batch', message: 'the batch contains no events' });
  if (events.length > deps.settings.maxBatch) {
    deps.metrics.rejected.inc({ reason: 'batch_too_large' }, events.length);
    return reply
      .code(413)
      .send({ error: 'batch_too_large', message: `a batch holds at most ${deps.settings.maxBatch} events, got ${events.length}` });
  }
  // Events a site's shields drop cost the pipeline nothing: they do not spend the site's budget either.
  const shielded = (site: string, url: string) => options.shieldOf?.(site)?.reasonFor(request.ip || null, url) !== undefined;
  const refused = siteLimit.take(eventsPerSite(events, options.sites, shielded));
  if (refused !== undefined) {
    void reply.header('retry-after', String(refused.retryAfterSeconds));
    throw rateLimited(
      `site "${refused.site}" sent its ${refused.limit} events for this minute (PULSE_SITE_RATE_LIMIT_PER_MINUTE); retry in ${refused.retryAfterSeconds} s`,
    );
  }
  const context = {
    ip: request.ip || null,
    userAgent: request.headers['user-agent'] ?? '',
    now: deps.now(),
    anonymizeIp: deps.settings.anonymizeIp,
  };
  const plan = planBatch(events, context, options);
  for (const rejection of plan.rejections) deps.metrics.rejected.inc({ reason: rejection.kind });
  for (const [reason, count] of Object.entries(plan.shielded)) deps.metrics.rejected.inc({ reason }, count);
  if (plan.records.length > 0) await produce(plan, deps);
  const errors = plan.rejections.map(({ index, reason }) => ({ index, reason }));
  // Events a site's shields drop are not errors for the page that sent them: a batch of only those is a quiet 202.
  if (plan.accepted === 0 && errors.length > 0) {
    const refusedSite = plan.rejections.every((r) => r.kind === 'unknown_site');
    const first = errors[0]?.reason ?? 'no valid event';
    return reply
      .code(refusedSite ? 403 : 400)
      .send({ error: refusedSite ? 'unknown_site' : 'invalid_event', message: first, accepted: 0, rejected: errors.length, errors });
  }
  return reply.code(202).send({ accepted: plan.accepted, rejected: errors.length, errors });
}

async function produce(plan: BatchPlan, deps: CollectDeps): Promise<void> {
  const stop = deps.metrics.produceSeconds.startTimer();
  try {
    await withTimeout(
      deps.bus.produce(plan.records),
      deps.settings.produceTimeoutMs,
      () => new PulseError(errorCodes.BUS_UNAVAILABLE, 'the bus did not acknowledge in time', { retriable: true }),
    );
    stop({ outcome: 'ok' });
  } catch (error) {
    stop({ outcome: 'error' });
    deps.metrics.rejected.inc({ reason: 'unavailable' }, plan.accepted);
    throw error instanceof PulseError &&
      (error.code === errorCodes.BUS_UNAVAILABLE || error.code === errorCodes.BUS_CLOSED || error.code === errorCodes.BUS_INVALID_RECORD)
      ? error
      : new PulseError(errorCodes.BUS_UNAVAILABLE, 'the bus refused the events', { cause: error, retriable: true });
  }
  for (const record of plan.records) {
    if (record.topic.endsWith('.dlq')) deps.metrics.dlqRecords.inc({ topic: record.topic });
    else deps.metrics.accepted.inc({ topic: record.topic });
  }
}
