import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * Headers every answer of every Pulse server carries. Set on the raw response when the request
 * arrives, so answers streamed by hand after `reply.hijack()` (SSE, NDJSON) and error answers
 * have them too. Nothing here limits who may load or call Pulse from another origin: the tracker
 * (`/t.js`) and the collect endpoints are embedded in other sites, so there is no
 * Cross-Origin-Resource-Policy, Cross-Origin-Embedder-Policy or framing rule on them.
 */
export const securityHeaders: Readonly<Record<string, string>> = {
  /** Answers are what their Content-Type says (a JSON answer is never run as a script or styles). */
  'x-content-type-options': 'nosniff',
  /** Full URLs (with `?site=…`, dashboard hashes) stay on Pulse's origin; other sites see the origin only. */
  'referrer-policy': 'strict-origin-when-cross-origin',
};

/**
 * The dashboard's Content-Security-Policy, for what the Vite build in dist/dashboard/ does: its
 * scripts, module chunks, stylesheet and icon come from /dashboard/assets/ (no inline script, no
 * eval: Chart.js draws on canvas without either), the API and the SSE streams are same-origin.
 * Inline style *attributes* are allowed (`style="--accent: …"` in index.html, table column widths
 * and bar lengths set by the Kafka view); `<style>` elements and inline scripts are not. The Kafka
 * view's constructed stylesheet (adoptedStyleSheets) is not governed by CSP. No page may frame it.
 */
export const dashboardContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Sets {@link securityHeaders} on every answer of `app`; createHttpApp installs it on every server. */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (_request, reply) => {
    for (const [name, value] of Object.entries(securityHeaders)) reply.raw.setHeader(name, value);
  });
}

/** The headers of a dashboard HTML page: its CSP and no framing (X-Frame-Options for browsers without frame-ancestors). */
export function setDashboardPageHeaders(reply: FastifyReply): FastifyReply {
  return reply.header('content-security-policy', dashboardContentSecurityPolicy).header('x-frame-options', 'DENY');
}
