import cors from '@fastify/cors';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { originAllowed } from '../../config/cors-origins.ts';
import type { IngestSettings } from '../../config/ingest-settings.ts';
import { emptyResponse, textResponse } from '../../http/api-contract.ts';
import type { IngestMetrics } from '../ingest-metrics.ts';

/** The paths browsers post events to; CORS and the origin check apply to these only. */
export const collectPaths: ReadonlySet<string> = new Set(['/api/events', '/api/coordinates']);

const distScript = fileURLToPath(new URL('../../../tracker/dist/t.js', import.meta.url));

/**
 * The `<script>` build of the tracker: built from tracker/src with esbuild
 * when it is installed (any development checkout, so a fresh clone needs no
 * build step and edits show on restart), else the prebuilt tracker/dist/t.js
 * (`npm run build:tracker`, for installs without dev dependencies).
 */
export async function loadTrackerScript(): Promise<string> {
  let buildError: unknown;
  try {
    const { buildTracker } = await import('../../../tracker/build.ts');
    return (await buildTracker()).iife;
  } catch (error) {
    buildError = error;
  }
  try {
    return await readFile(distScript, 'utf8');
  } catch (error) {
    throw new Error(
      `the tracker script is unavailable: building it failed (${String(buildError)}) and ${distScript} cannot be read; run \`npm run build:tracker\``,
      {
        cause: error,
      },
    );
  }
}

const sameOrigin = (request: FastifyRequest, origin: string): boolean => {
  try {
    return new URL(origin).host === request.host;
  } catch {
    return false;
  }
};

const pathOf = (url: string): string => url.split('?', 1)[0] ?? url;

/**
 * Rewrites PULSE_COLLECT_PATH (a first-party alias such as `/c`) to
 * /api/events before routing, so the alias is the same route: same
 * validation, limits, metrics and CORS. For Fastify's `rewriteUrl` option.
 */
export function collectPathRewriter(alias: string | undefined): ((request: { url?: string | undefined }) => string) | undefined {
  if (alias === undefined || collectPaths.has(alias)) return undefined;
  return (request) => {
    const url = request.url ?? '/';
    const path = pathOf(url);
    return path === alias ? `/api/events${url.slice(path.length)}` : url;
  };
}

function canonicalOrigin(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin;
  }
}

/**
 * What a page with the tracker needs from ingest: the script at /t.js (and
 * PULSE_TRACKER_PATH) with caching headers, and CORS on the collect
 * endpoints for the origins in PULSE_CORS_ORIGINS.
 */
export async function registerTrackerRoutes(
  app: FastifyInstance,
  deps: { settings: IngestSettings; loadScript?: () => Promise<string>; metrics?: IngestMetrics | undefined },
): Promise<void> {
  const policy = deps.settings.origins;

  await app.register(cors, {
    delegator: (request, callback) => {
      if (!collectPaths.has(pathOf(request.url ?? ''))) {
        callback(null, { origin: false });
        return;
      }
      const origin = request.headers.origin;
      const allowed = policy.any || (origin !== undefined && originAllowed(policy, origin));
      callback(null, {
        origin: policy.any ? '*' : allowed && origin !== undefined ? origin : false,
        methods: ['POST'],
        allowedHeaders: ['content-type'],
        exposedHeaders: ['retry-after'],
        maxAge: 7200,
      });
    },
  });

  // CORS only decides whether a page may read the answer: a simple POST (text/plain, as the
  // tracker and sendBeacon send) reaches the handler anyway, so the site's origins are checked here.
  const recordedOrigins = deps.settings.siteOrigins;
  /** A site whose record lists origins takes only those (and PULSE_CORS_ORIGINS' explicit ones); others follow PULSE_CORS_ORIGINS. */
  const allowedFor = (origin: string, site: string | undefined): boolean => {
    const recorded = site === undefined ? undefined : recordedOrigins?.(site);
    if (recorded === undefined) return originAllowed(policy, origin, site);
    return recorded.has(canonicalOrigin(origin)) || (!policy.any && originAllowed(policy, origin, site));
  };
  if (!policy.any || recordedOrigins !== undefined) {
    app.addHook('preHandler', async (request, reply) => {
      const origin = request.headers.origin;
      if (origin === undefined || !collectPaths.has(request.routeOptions.url ?? '') || sameOrigin(request, origin)) return;
      const events: unknown[] = Array.isArray(request.body) ? request.body : [request.body];
      const sites = new Set(
        events.map((event) => (typeof event === 'object' && event !== null ? (event as { site?: unknown }).site : undefined)),
      );
      for (const site of sites) {
        if (allowedFor(origin, typeof site === 'string' ? site : undefined)) continue;
        deps.metrics?.rejected.inc({ reason: 'origin_not_allowed' }, events.length);
        // Readable by the page, so its tracker sees a final refusal and drops the batch instead of retrying.
        await reply
          .code(403)
          .header('access-control-allow-origin', origin)
          .header('vary', 'Origin')
          .send({
            error: 'origin_not_allowed',
            message: `pages at ${origin} may not send events${typeof site === 'string' ? ` for site "${site}"` : ''} (the site's allowed origins, PULSE_CORS_ORIGINS)`,
          });
        return;
      }
    });
  }

  const load = deps.loadScript ?? loadTrackerScript;
  let script: Promise<{ plain: Buffer; gzipped: Buffer; etag: string }> | undefined;
  const compiled = () =>
    (script ??= load().then(
      (text) => {
        const plain = Buffer.from(text);
        return {
          plain,
          gzipped: gzipSync(plain, { level: 9 }),
          etag: `"${createHash('sha256').update(plain).digest('base64url').slice(0, 22)}"`,
        };
      },
      (error: unknown) => {
        script = undefined; // try again on the next request
        throw error;
      },
    ));

  const paths = deps.settings.trackerPaths;
  for (const path of paths) {
    app.get(
      path,
      {
        schema: {
          description: 'The tracker script (`<script src="/t.js" data-site="…">`), cached for an hour, revalidated by ETag.',
          response: {
            200: textResponse('text/javascript', 'The script (gzip-encoded when the client accepts it).'),
            304: emptyResponse('Not modified: the `If-None-Match` ETag is current.'),
          },
        },
      },
      async (request, reply) => {
        const { plain, gzipped, etag } = await compiled();
        reply
          .header('content-type', 'text/javascript; charset=utf-8')
          .header('cache-control', 'public, max-age=3600, stale-while-revalidate=86400')
          .header('etag', etag)
          .header('vary', 'accept-encoding')
          .header('access-control-allow-origin', '*') // lets a page use <script crossorigin integrity=…>
          .header('x-content-type-options', 'nosniff');
        const known = request.headers['if-none-match'];
        if (known !== undefined && known.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag || tag.trim() === '*')) {
          return reply.code(304).send();
        }
        if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) return reply.header('content-encoding', 'gzip').send(gzipped);
        return reply.send(plain);
      },
    );
  }
}
