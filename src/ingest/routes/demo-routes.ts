import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const demoDir = fileURLToPath(new URL('../../demo/', import.meta.url));

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/**
 * The demo site (src/demo/): a small shop whose pages load /t.js, so anyone
 * can watch the tracker's events reach the topics. Files are read once at
 * start-up; only the files of that folder are served.
 */
export async function registerDemoRoutes(app: FastifyInstance, dir: string = demoDir): Promise<void> {
  const files = new Map<string, { body: Buffer; type: string; etag: string }>();
  for (const name of await readdir(dir)) {
    const type = contentTypes[extname(name)];
    if (type === undefined) continue;
    const body = await readFile(join(dir, name));
    files.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` });
  }

  const serve = (name: string, request: FastifyRequest, reply: FastifyReply) => {
    const file = files.get(name);
    if (file === undefined) return reply.callNotFound();
    reply.header('content-type', file.type).header('cache-control', 'no-cache').header('etag', file.etag);
    if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
    return reply.send(file.body);
  };
  app.get('/demo', { schema: { hide: true } }, (_request, reply) => reply.redirect('/demo/', 301));
  app.get('/demo/', { schema: { hide: true } }, (request, reply) => serve('index.html', request, reply));
  app.get<{ Params: { file: string } }>('/demo/:file', { schema: { hide: true } }, (request, reply) =>
    serve(request.params.file, request, reply),
  );
}
