import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { isPulseError, type ErrorCode, type PulseError } from '../shared/errors.ts';

interface Answer {
  status: number;
  /** The `error` field clients branch on. */
  name: string;
  /** A fixed message, where the error's own could name internals (hosts, SQL). */
  message?: string;
  retryAfter?: boolean;
}

/** Every Pulse error code's HTTP answer. Server-side failures never echo their own message. */
const answers: Record<ErrorCode, Answer> = {
  PULSE_CONFIG_INVALID: { status: 500, name: 'internal', message: 'internal error' },
  PULSE_BAD_REQUEST: { status: 400, name: 'bad_request' },
  PULSE_NOT_FOUND: { status: 404, name: 'not_found' },
  PULSE_METHOD_NOT_ALLOWED: { status: 405, name: 'method_not_allowed' },
  PULSE_UNAUTHORIZED: { status: 401, name: 'unauthorized' },
  PULSE_FORBIDDEN: { status: 403, name: 'forbidden' },
  PULSE_BUS_UNAVAILABLE: {
    status: 503,
    name: 'unavailable',
    message: 'event bus unavailable; nothing was accepted, retry later',
    retryAfter: true,
  },
  PULSE_BUS_CLOSED: {
    status: 503,
    name: 'unavailable',
    message: 'event bus unavailable; nothing was accepted, retry later',
    retryAfter: true,
  },
  PULSE_BUS_UNKNOWN_TOPIC: { status: 503, name: 'unavailable', message: 'event bus topic unavailable; retry later', retryAfter: true },
  PULSE_BUS_UNAUTHORIZED: { status: 503, name: 'unavailable', message: 'event bus refused this service; retry later', retryAfter: true },
  PULSE_BUS_INVALID_RECORD: { status: 413, name: 'record_too_large' },
  PULSE_BUS_GROUP_ACTIVE: { status: 409, name: 'conflict' },
  PULSE_STORE_UNAVAILABLE: {
    status: 503,
    name: 'store_unavailable',
    message: 'a data store is unavailable; retry later',
    retryAfter: true,
  },
  PULSE_STORE_FAILED: { status: 503, name: 'store_unavailable', message: 'a data store is unavailable; retry later', retryAfter: true },
  PULSE_STORE_REJECTED: { status: 500, name: 'internal', message: 'internal error' },
  PULSE_HISTORY_UNAVAILABLE: { status: 503, name: 'history_unavailable' },
  PULSE_CONFLICT: { status: 409, name: 'conflict' },
  PULSE_TOO_MANY_ATTEMPTS: { status: 429, name: 'too_many_attempts', retryAfter: true },
};

export interface ErrorHandlerOptions {
  /** Seconds a client should wait before retrying a 503 (ingest: its produce deadline). */
  retryAfterSeconds?: number;
}

/** The one place where errors become HTTP answers, installed on every app Pulse builds. */
export function installErrorHandler(app: FastifyInstance, options: ErrorHandlerOptions = {}): void {
  const retryAfter = String(options.retryAfterSeconds ?? 5);
  app.setErrorHandler((error: FastifyError | PulseError, request, reply) => {
    if (isPulseError(error)) return answerPulseError(error, reply, retryAfter, request.log);
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(500).send({ error: 'internal', message: 'internal error' });
    }
    return reply.code(status).send({ error: clientErrorName(error, status), message: error.message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}` }),
  );
}

function answerPulseError(error: PulseError, reply: FastifyReply, retryAfter: string, log: FastifyReply['log']): FastifyReply {
  const answer = answers[error.code];
  if (answer.status >= 500) log.warn({ err: error }, answer.name);
  if (answer.retryAfter === true) void reply.header('retry-after', String(error.retryAfterSeconds ?? retryAfter));
  const message = answer.message ?? error.message;
  return reply.code(answer.status).send({ error: error.detail ?? answer.name, message });
}

function clientErrorName(error: FastifyError, status: number): string {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'body_too_large';
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return 'unsupported_media_type';
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'empty_body';
  if (status === 429) return 'rate_limited';
  if (status === 400 && /JSON/i.test(error.message)) return 'malformed_json';
  return 'bad_request';
}
