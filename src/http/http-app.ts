import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Logger } from '../shared/logger.ts';
import { installErrorHandler, type ErrorHandlerOptions } from './error-handler.ts';

export interface HttpAppOptions extends ErrorHandlerOptions {
  logger: Logger;
  /** Fastify settings of this app (body limit, proxy trust, …). */
  server?: Omit<FastifyServerOptions, 'loggerInstance' | 'logger'>;
}

/**
 * Every HTTP server Pulse runs starts here, so each has the same error answers, the same 404
 * and closes its keep-alive connections when it stops.
 */
export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    forceCloseConnections: true,
    ...options.server,
  });
  installErrorHandler(app, options);
  return app;
}
