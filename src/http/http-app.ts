import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Logger } from '../shared/logger.ts';
import { buildValidator, clientErrorHandler, frameworkErrors, installApiContract } from './api-contract.ts';
import { installErrorHandler, type ErrorHandlerOptions } from './error-handler.ts';
import { installSecurityHeaders } from './security-headers.ts';

export interface HttpAppOptions extends ErrorHandlerOptions {
  logger: Logger;
  /** Fastify settings of this app (body limit, proxy trust, …). */
  server?: Omit<FastifyServerOptions, 'loggerInstance' | 'logger'>;
}

/**
 * Path parameters as long as a request line can be: routes bound their parameters by schema
 * (a 400 with the error body), not by the router's default of 100 characters (a bare 414 that
 * refused valid 101–249-character topic names and longer group ids).
 */
const MAX_PARAM_LENGTH = 16_384;

/** Requests are validated exactly as documented (see buildValidator); Fastify's types do not describe a factory of one's own. */
const schemaController = { compilersFactory: { buildValidator } } as unknown as NonNullable<FastifyServerOptions['schemaController']>;

/**
 * Every HTTP server Pulse runs starts here, so each has the same error answers, the same 404
 * and 405, documents the error answers of its routes, and closes its keep-alive connections
 * when it stops.
 */
export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    forceCloseConnections: true,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
    clientErrorHandler,
    schemaController,
    ...options.server,
  });
  installSecurityHeaders(app); // first: its onRequest hook runs before any other can answer
  installErrorHandler(app, options);
  installApiContract(app);
  return app;
}
