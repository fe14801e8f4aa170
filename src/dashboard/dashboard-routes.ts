import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { setDashboardPageHeaders } from '../http/security-headers.ts';

/** Where `npm run build:dashboard` writes the UI (Vite output; `dist/` is not committed). */
export const defaultDashboardDist = fileURLToPath(new URL('../../dist/dashboard/', import.meta.url));

export interface DashboardRouteOptions {
  /** The built UI: `index.html` plus `assets/` with content-hashed names. Defaults to `dist/dashboard/`. */
  distDir?: string;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Hashed assets never change under one name; everything else is revalidated on every load. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

interface StaticFile {
  body: Buffer;
  /** Precompressed siblings written by the build (`name.br`, `name.gz`), when present. */
  br: Buffer | undefined;
  gzip: Buffer | undefined;
  type: string;
  etag: string;
  cacheControl: string;
}

interface Loaded {
  /** mtime of index.html when loaded: a rebuild while Pulse runs is picked up on the next page load. */
  version: number;
  /** Keyed by URL path below /dashboard/ (`index.html`, `assets/index-3f9a.js`). */
  files: Map<string, StaticFile>;
}

async function readOptional(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch {
    return undefined;
  }
}

async function loadDir(root: string, sub: string, files: Map<string, StaticFile>): Promise<void> {
  for (const entry of await readdir(join(root, sub), { withFileTypes: true })) {
    const name = sub === '' ? entry.name : `${sub}/${entry.name}`;
    if (entry.isDirectory()) {
      await loadDir(root, name, files);
      continue;
    }
    const type = contentTypes[extname(entry.name)];
    if (!entry.isFile() || type === undefined) continue; // .br/.gz siblings and unknown types are not served by name
    const path = join(root, name);
    const body = await readFile(path);
    files.set(name, {
      body,
      br: await readOptional(`${path}.br`),
      gzip: await readOptional(`${path}.gz`),
      type,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 20)}"`,
      cacheControl: name.startsWith('assets/') ? IMMUTABLE : REVALIDATE,
    });
  }
}

const notBuiltPage = (distDir: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pulse dashboard not built</title></head>
<body style="font:16px system-ui,sans-serif;margin:3rem;color:#1f2937">
<h1>The Pulse dashboard is not built</h1>
<p>No <code>index.html</code> in <code>${distDir.replace(/[<>&]/g, '')}</code>. Build it with <code>npm run build:dashboard</code>
(or <code>npm run build</code>) and reload this page; the live API under <code>/api/stats</code> works without it.</p>
</body></html>`;

/**
 * Serves the built dashboard at `/dashboard/` and sends `/` there. Files are
 * read into memory (with the build's precompressed `.br`/`.gz` siblings) and
 * only names found in the build folder are served, so no request path ever
 * reaches the file system. `index.html` is revalidated on every load (ETag);
 * the content-hashed files under `assets/` are cached for a year.
 */
export async function registerDashboardRoutes(app: FastifyInstance, options: DashboardRouteOptions = {}): Promise<void> {
  const distDir = options.distDir ?? defaultDashboardDist;
  const indexPath = join(distDir, 'index.html');
  let loaded: Loaded | undefined;

  /** Loads the build, or reloads it when index.html changed; undefined while there is no build. */
  const current = async (): Promise<Loaded | undefined> => {
    const info = await stat(indexPath).catch(() => undefined);
    if (info === undefined) return (loaded = undefined);
    if (loaded?.version === info.mtimeMs) return loaded;
    const files = new Map<string, StaticFile>();
    await loadDir(distDir, '', files);
    return (loaded = { version: info.mtimeMs, files });
  };
  await current().catch((error: unknown) => app.log.warn({ err: error, distDir }, 'dashboard build could not be read'));
  if (loaded === undefined) app.log.warn({ distDir }, 'dashboard is not built: run `npm run build:dashboard`');

  const send = (file: StaticFile, request: FastifyRequest, reply: FastifyReply) => {
    reply.header('content-type', file.type).header('cache-control', file.cacheControl).header('etag', file.etag);
    reply.header('x-content-type-options', 'nosniff');
    if (file.type.startsWith('text/html')) setDashboardPageHeaders(reply); // CSP and no framing for the page itself
    if (file.br !== undefined || file.gzip !== undefined) reply.header('vary', 'accept-encoding');
    if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
    const accepted = String(request.headers['accept-encoding'] ?? '');
    if (file.br !== undefined && /\bbr\b/.test(accepted)) return reply.header('content-encoding', 'br').send(file.br);
    if (file.gzip !== undefined && /\bgzip\b/.test(accepted)) return reply.header('content-encoding', 'gzip').send(file.gzip);
    return reply.send(file.body);
  };

  const serve = async (name: string, request: FastifyRequest, reply: FastifyReply) => {
    const build = await current(); // one stat per request: cheap, and a rebuild is served without a restart
    if (build === undefined) {
      return setDashboardPageHeaders(reply)
        .code(503)
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(notBuiltPage(distDir));
    }
    const file = build.files.get(name);
    return file === undefined ? reply.callNotFound() : send(file, request, reply);
  };

  /** Keeps `?site=…` across the redirect. */
  const query = (request: FastifyRequest) => {
    const at = request.url.indexOf('?');
    return at === -1 ? '' : request.url.slice(at);
  };

  app.get('/', { schema: { hide: true } }, (request, reply) => reply.redirect(`/dashboard/${query(request)}`, 302));
  app.get('/dashboard', { schema: { hide: true } }, (request, reply) => reply.redirect(`/dashboard/${query(request)}`, 301));
  app.get('/dashboard/', { schema: { hide: true } }, (request, reply) => serve('index.html', request, reply));
  app.get<{ Params: { '*': string } }>('/dashboard/*', { schema: { hide: true } }, (request, reply) =>
    serve(request.params['*'], request, reply),
  );
}
