import { Ajv, type AnySchema, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { SiteSet } from '../config/config.ts';
import { siteKeySource } from '../contract/site-key.ts';
import { PulseError, errorCodes } from '../shared/errors.ts';

/**
 * The API contract every Pulse HTTP server keeps: the one error body (what src/http/error-handler.ts
 * sends) as the shared `Error` schema, the error answers each route can give added to its
 * documented responses, 405 with `Allow` for a known path asked with another method, and the
 * OpenAPI 3.0 form of the JSON Schema keywords that differ between draft-07 and OpenAPI 3.0.
 */

/** `$id` of the shared error body; `{ $ref: 'Error#' }` in a route schema, `#/components/schemas/Error` in /openapi.json. */
export const ERROR_SCHEMA_ID = 'Error';

export const errorBodySchema = {
  $id: ERROR_SCHEMA_ID,
  type: 'object',
  description:
    'Every error answer of Pulse. `error` is a short machine-readable name clients branch on: the kind of error (`bad_request`, ' +
    '`not_found`, `method_not_allowed`, `unavailable`, `internal`, …) or a more precise one (`bad_range`, `unknown_site`, `unknown_topic`, …); ' +
    '`message` says what was wrong for people. Server-side failures never carry internals (hosts, SQL) in either.',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', minLength: 1, description: 'Machine-readable name of the error.' },
    message: { type: 'string', description: 'What went wrong, for people.' },
  },
} as const;

const retryAfter = {
  'retry-after': { type: 'integer', minimum: 0, description: 'Seconds to wait before trying again.' },
} as const;

/** What each error status means for any Pulse route, and the headers it carries. */
const errorStatuses: Record<number, { description: string; headers?: Record<string, object> }> = {
  400: { description: 'The request is invalid: a parameter or the body breaks the schema, or the values contradict each other.' },
  404: { description: 'What the path names does not exist.' },
  409: { description: 'The action conflicts with the current state.' },
  413: { description: 'The body is larger than the server accepts.' },
  415: { description: 'The body has a content type the route does not accept.' },
  429: {
    description: 'Too many requests from this client; retry after the number of seconds in `retry-after`.',
    headers: {
      ...retryAfter,
      'x-ratelimit-limit': { type: 'integer', description: 'Requests allowed per window.' },
      'x-ratelimit-remaining': { type: 'integer', description: 'Requests left in this window.' },
      'x-ratelimit-reset': { type: 'integer', description: 'Seconds until the window resets.' },
    },
  },
  431: { description: 'The request line and headers are larger than the server accepts (16 KiB).' },
  500: { description: 'An unexpected server error; the body never carries its internals.' },
  503: {
    description: 'A dependency (the event bus, a data store) is unavailable: nothing was changed; retry later.',
    headers: retryAfter,
  },
};

/** The documented response of one error status: the shared error body, with a fitting description. */
export function errorResponse(status: number, description?: string): object {
  const known = errorStatuses[status];
  return {
    description: description ?? known?.description ?? STATUS_CODES[status] ?? 'Error',
    ...(known?.headers === undefined ? {} : { headers: known.headers }),
    content: { 'application/json': { schema: { $ref: `${ERROR_SCHEMA_ID}#` } } },
  };
}

/** `response` entries for the error statuses a route answers beyond the generic ones (404, 409, 503). */
export const errorResponses = (...statuses: number[]): Record<number, object> =>
  Object.fromEntries(statuses.map((status) => [status, errorResponse(status)]));

/**
 * A documented answer body whose objects keep properties the schema does not list: the listed
 * ones are the contract, and a field a store adds later reaches clients instead of being dropped
 * by the serializer (which writes only listed properties of a closed object). Returns a copy.
 */
export function openObjects<T extends object>(schema: T): T {
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (typeof node !== 'object' || node === null) return node;
    const copy = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, visit(value)])) as Record<string, unknown>;
    if (copy['type'] === 'object' && copy['additionalProperties'] === undefined) copy['additionalProperties'] = true;
    return copy;
  };
  return visit(schema) as T;
}

/** A documented answer whose body is text of one media type (metrics, NDJSON, CSV, a script, server-sent events). */
export const textResponse = (mediaType: string, description: string): object => ({
  description,
  content: { [mediaType]: { schema: { type: 'string' } } },
});

/**
 * A documented stream of server-sent events: the schema describes one event as a client's
 * EventSource sees it (OpenAPI 3.0 has no item schema), `data` being JSON text.
 */
export const eventStreamResponse = (events: readonly string[], description: string): object => ({
  description: `${description} It ends when the client disconnects.`,
  content: {
    'text/event-stream': {
      schema: {
        type: 'object',
        required: ['event', 'data'],
        properties: {
          event: { type: 'string', enum: [...events], description: 'The event name (`message` when the stream names none).' },
          data: { type: 'string', description: 'The event, as JSON text.' },
          id: { type: 'string' },
          retry: { type: 'integer', minimum: 0, description: 'Milliseconds before a client reconnects.' },
        },
      },
    },
  },
});

/** A documented answer without a body (304, 204). */
export const emptyResponse = (description: string): object => ({ description, type: 'null' });

/** `title` of a schema whose value must be a site key this Pulse collects for (not only a well-formed one). */
export const COLLECTED_SITE_KEY = 'CollectedSiteKey';

/**
 * A site key Pulse must collect for. Which keys those are is runtime data (PULSE_SITES and the
 * sites added from the dashboard), so requests are validated against the key syntax and the
 * handler refuses the others; /openapi.json lists the current keys as an `enum` (withSiteKeys).
 */
export const collectedSiteKey = (description: string) =>
  ({ type: 'string', pattern: `^${siteKeySource}$`, title: COLLECTED_SITE_KEY, description }) as const;

/**
 * The OpenAPI document as of now: every {@link collectedSiteKey} lists the site keys Pulse
 * collects for at this moment (none when it takes any key). The document given is not changed.
 */
export function withSiteKeys<T>(document: T, sites: SiteSet): T {
  if (sites === 'any') return document;
  const keys = [...sites].sort();
  const copy = structuredClone(document);
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const schema = node as Record<string, unknown>;
    if (schema['title'] === COLLECTED_SITE_KEY && schema['type'] === 'string') schema['enum'] = keys;
    Object.values(schema).forEach(visit);
  };
  visit(copy);
  return copy;
}

const requestSchemaKeys = ['querystring', 'params', 'body', 'headers'] as const;
const bodyless: ReadonlySet<string> = new Set(['GET', 'HEAD']);

/**
 * The error statuses any route answers by how it is declared: 400 when a request part is
 * validated (or a body is read), 413 and 415 when a body is read, 429 under a rate limit, and
 * 431 and 500 everywhere. Statuses that depend on what a handler does (404, 409, 503) the
 * route declares itself with `errorResponses`.
 */
export function genericErrorStatuses(route: Pick<RouteOptions, 'method' | 'schema' | 'config'>): number[] {
  const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((m) => String(m).toUpperCase());
  const readsBody = methods.some((method) => !bodyless.has(method));
  const schema = (route.schema ?? {}) as Record<string, unknown>;
  const validates = requestSchemaKeys.some((key) => schema[key] !== undefined);
  const config = (route.config ?? {}) as { rateLimit?: unknown };
  return [
    ...(validates || readsBody ? [400] : []),
    ...(readsBody ? [413, 415] : []),
    ...(config.rateLimit === undefined ? [] : [429]),
    431,
    500,
  ];
}

/** Adds the generic error answers to every documented route's responses (those it declares stay as they are). */
function documentErrors(route: RouteOptions): void {
  const schema = (route.schema ?? {}) as { hide?: boolean; response?: Record<string, unknown> };
  if (schema.hide === true) return;
  const response: Record<string, unknown> = { ...schema.response };
  if (!Object.keys(response).some((status) => /^(2|3)/.test(status) || status === 'default')) {
    response['200'] = { description: 'Success.' };
  }
  for (const status of genericErrorStatuses(route)) response[String(status)] ??= errorResponse(status);
  route.schema = { ...schema, response };
}

/** A match of a root catch-all route (`*`: CORS answers OPTIONS on every path): it does not make a path known. */
const isCatchAll = (params: unknown, path: string): boolean => {
  const rest = (params as Record<string, unknown>)['*'];
  return rest === path || rest === path.slice(1);
};

/** The methods routes answer for a path; none when only catch-all routes match it. */
function allowedMethods(app: FastifyInstance, path: string): string[] {
  const allowed: string[] = [];
  let known = false;
  for (const method of app.supportedMethods) {
    const found = app.findRoute({ method, url: path });
    if (found === null) continue;
    allowed.push(method);
    if (!isCatchAll(found.params, path)) known = true;
  }
  return known ? allowed : [];
}

/**
 * Installs the contract on an app: the shared error schema, the generic error answers on every
 * route registered after this, and 405 (with `Allow` and the error body) instead of 404 for a
 * path that exists with other methods. Unknown paths stay 404.
 */
export function installApiContract(app: FastifyInstance): void {
  app.addSchema(errorBodySchema);
  app.addHook('onRoute', documentErrors);
  // onRequest runs before the body is read, so a method with a body (QUERY, PROPFIND, …) gets 405, not a parse error.
  app.addHook('onRequest', async (request, reply) => {
    if (!request.is404) return;
    const path = request.url.split('?', 1)[0] ?? '/';
    const allowed = allowedMethods(app, path);
    if (allowed.length === 0 || allowed.includes(request.method)) return;
    void reply.header('allow', allowed.join(', '));
    throw new PulseError(errorCodes.METHOD_NOT_ALLOWED, `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`);
  });
}

// ajv-formats ships CommonJS whose default export is the plugin function.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * Fastify's `schemaController.compilersFactory.buildValidator`: requests are validated as the
 * document says. Fastify's defaults would drop unknown properties that a schema forbids
 * (`removeAdditional`) and coerce JSON body values to the declared type (`false` to `"false"`),
 * accepting what the schema refuses. Bodies are taken exactly; query strings, path parameters
 * and headers are text, so they are still converted to the declared types.
 */
export function buildValidator(externalSchemas: unknown): (route: { schema?: unknown; httpPart: string }) => ValidateFunction {
  const compiler = (coerceTypes: false | 'array') => {
    const ajv = addFormats(new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: false, addUsedSchema: false }));
    for (const schema of Object.values(externalSchemas as Record<string, AnySchema>)) ajv.addSchema(schema);
    return ajv;
  };
  const body = compiler(false);
  const text = compiler('array');
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? body : text;
    const id = (schema as { $id?: unknown }).$id;
    const stored = typeof id === 'string' ? ajv.getSchema(id) : undefined;
    return stored ?? ajv.compile(schema as AnySchema);
  };
}

const frameworkStatus: Record<string, { status: number; error: string }> = {
  FST_ERR_BAD_URL: { status: 400, error: 'bad_url' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, error: 'uri_too_long' },
  FST_ERR_ASYNC_CONSTRAINT: { status: 500, error: 'internal' },
};

/** Fastify's `frameworkErrors`: errors raised before routing (a malformed URL) answer with the shared error body too. */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const known = frameworkStatus[error.code] ?? { status: 400, error: 'bad_request' };
  void reply.code(known.status).send({ error: known.error, message: known.status >= 500 ? 'internal error' : error.message });
}

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses before Fastify sees a request
 * (headers over the size limit, a malformed request line) answers with the shared error body.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, body] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, { error: 'headers_too_large', message: 'the request line and headers exceed the server limit (16 KiB)' }]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, { error: 'request_timeout', message: 'the request was not received in time' }]
        : [400, { error: 'bad_request', message: 'malformed HTTP request' }];
  const text = JSON.stringify(body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
    );
  }
  socket.destroy(error);
}

/**
 * Rewrites the draft-07 keywords OpenAPI 3.0 spells differently, in place: a numeric
 * `exclusiveMinimum`/`exclusiveMaximum` becomes `minimum`/`maximum` with the boolean flag.
 * (@fastify/swagger already turns `const` into `enum`, `type: [t, 'null']` into `nullable` and
 * `patternProperties` into `additionalProperties`.)
 */
export function toOpenApi30<T>(document: T): T {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const schema = node as Record<string, unknown>;
    for (const [exclusive, bound] of [
      ['exclusiveMinimum', 'minimum'],
      ['exclusiveMaximum', 'maximum'],
    ] as const) {
      const limit = schema[exclusive];
      if (typeof limit !== 'number') continue;
      const other = schema[bound];
      // Both given: the stricter one wins.
      const stricter = typeof other !== 'number' || (bound === 'minimum' ? limit >= other : limit <= other);
      if (stricter) {
        schema[bound] = limit;
        schema[exclusive] = true;
      } else {
        delete schema[exclusive];
      }
    }
    Object.values(schema).forEach(visit);
  };
  visit(document);
  return document;
}
