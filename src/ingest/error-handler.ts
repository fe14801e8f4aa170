import type { FastifyError, FastifyInstance } from 'fastify';
import { errorCodes, isPulseError } from '../shared/errors.ts';

/** The one place where errors become HTTP answers; bodies never echo event data. */
export function installErrorHandler(app: FastifyInstance, retryAfterSeconds: number): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isPulseError(error, errorCodes.BUS_UNAVAILABLE) || isPulseError(error, errorCodes.BUS_CLOSED)) {
      request.log.warn({ err: error }, 'bus unavailable');
      return reply
        .code(503)
        .header('retry-after', String(retryAfterSeconds))
        .send({ error: 'unavailable', message: 'event bus unavailable; nothing was accepted, retry later' });
    }
    if (isPulseError(error, errorCodes.BUS_INVALID_RECORD)) {
      return reply.code(413).send({ error: 'record_too_large', message: error.message });
    }
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

function clientErrorName(error: FastifyError, status: number): string {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'body_too_large';
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return 'unsupported_media_type';
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'empty_body';
  if (status === 429) return 'rate_limited';
  if (status === 400 && /JSON/i.test(error.message)) return 'malformed_json';
  return 'bad_request';
}
