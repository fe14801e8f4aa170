import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Bus } from '../../bus/bus.ts';
import { dlqOf } from '../../bus/topics.ts';
import type { IngestSettings } from '../../config/ingest-settings.ts';
import { AnyEvent, MouseMove, eventTypes, type EventType } from '../../contract/event-schema.ts';
import { PulseError, errorCodes, withTimeout } from '../../shared/errors.ts';
import type { IngestMetrics } from '../ingest-metrics.ts';
import { planBatch, type BatchPlan } from '../plan-batch.ts';

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
const Problem = Type.Object({ error: Type.String(), message: Type.String() });

/**
 * POST /api/events and /api/coordinates. The body schema is for the OpenAPI
 * document only: validation is per event (planBatch) so one bad event in a
 * batch neither hides the good ones nor escapes the DLQ.
 */
export function registerCollectRoutes(app: FastifyInstance, deps: CollectDeps): void {
  const { sites, topics } = deps.settings;
  const limit = deps.settings.rateLimitPerMinute;
  const rateLimit = limit > 0 ? { rateLimit: { max: limit, timeWindow: 60_000 } } : {};
  // The series of the collect topics exist from the start (at 0), so dashboards and alerts see them before traffic.
  for (const topic of [topics.userActivity, topics.mouseCoordinates]) {
    deps.metrics.accepted.inc({ topic }, 0);
    deps.metrics.dlqRecords.inc({ topic: dlqOf(topic) }, 0);
  }
  const route = (url: string, allowedTypes: readonly EventType[], bodyDoc: object, description: string) =>
    app.post(url, {
      config: rateLimit,
      schema: {
        description,
        body: Type.Union([bodyDoc as never, Type.Array(bodyDoc as never)]),
        response: { 202: Accepted, 400: Problem, 403: Problem, 413: Problem, 429: Problem, 503: Problem },
      },
      validatorCompiler: () => () => true,
      handler: (request, reply) =>
        collect(request, reply, deps, {
          sites,
          topics,
          allowedTypes,
          defaultType: allowedTypes.length === 1 ? allowedTypes[0] : undefined,
          source: url,
        }),
    });

  route('/api/events', eventTypes, AnyEvent, 'Collect one event or a JSON array of events.');
  route('/api/coordinates', ['mouse_move'], MouseMove, 'Collect mouse positions (x, y and the viewport); `type` may be omitted.');
}

async function collect(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: CollectDeps,
  options: Parameters<typeof planBatch>[2],
): Promise<FastifyReply> {
  const events = Array.isArray(request.body) ? request.body : [request.body];
  if (events.length === 0) return reply.code(400).send({ error: 'empty_batch', message: 'the batch contains no events' });
  if (events.length > deps.settings.maxBatch) {
    deps.metrics.rejected.inc({ reason: 'batch_too_large' }, events.length);
    return reply
      .code(413)
      .send({ error: 'batch_too_large', message: `a batch holds at most ${deps.settings.maxBatch} events, got ${events.length}` });
  }
  const context = {
    ip: request.ip || null,
    userAgent: request.headers['user-agent'] ?? '',
    now: deps.now(),
    anonymizeIp: deps.settings.anonymizeIp,
  };
  const plan = planBatch(events, context, options);
  for (const rejection of plan.rejections) deps.metrics.rejected.inc({ reason: rejection.kind });
  if (plan.records.length > 0) await produce(plan, deps);
  const errors = plan.rejections.map(({ index, reason }) => ({ index, reason }));
  if (plan.accepted === 0) {
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
