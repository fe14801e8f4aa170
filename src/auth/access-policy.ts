/**
 * Who may call a route, decided from its pattern and method; one table for every app.
 * Anything under /api/ or /query/ that is not listed is admin-only: a route added later is closed
 * until someone opens it here.
 *
 * - public: anyone (collect endpoints, the tracker, login, the marketplace's shopper API, the alert
 *   webhook, which checks its own token); everything outside /api/ and /query/ (the dashboard's
 *   static files, /health, /status, /t.js, /demo/) except /metrics;
 * - metrics: /metrics, public unless PULSE_METRICS_TOKEN is set;
 * - read: signed-in users and share links, GET only (figures of the sites they may read);
 * - member: signed-in users (not share links): their own session and tokens, alerts, shop analytics,
 *   saved funnels (kept to the sites the user may read by the `site` query parameter);
 * - admin: admins and PULSE_ADMIN_TOKEN.
 */
export type Access = 'public' | 'metrics' | 'read' | 'member' | 'admin';

const publicRoutes = new Set([
  '/api/events',
  '/api/coordinates',
  '/api/auth/login',
  '/api/auth/setup',
  '/api/shop/search',
  '/api/shop/recommendations',
  '/api/alerts/webhook',
]);
const readPrefixes = ['/api/stats', '/api/history', '/query/'];
const readRoutes = new Set(['/api/sites', '/api/auth/me', '/api/stream']);
const memberPrefixes = ['/api/auth/', '/api/alerts', '/api/shop/categories', '/api/shop/stats', '/api/shop/stream'];
const memberRoutes = new Set(['/api/funnels', '/api/funnels/:id']);

const isSafe = (method: string) => method === 'GET' || method === 'HEAD';

export function accessOf(method: string, route: string): Access {
  if (route === '/metrics') return 'metrics';
  if (!route.startsWith('/api/') && !route.startsWith('/query/')) return 'public';
  if (publicRoutes.has(route)) return 'public';
  if (isSafe(method) && (readRoutes.has(route) || readPrefixes.some((p) => route.startsWith(p)))) return 'read';
  if (memberRoutes.has(route) || memberPrefixes.some((p) => route.startsWith(p))) return 'member';
  return 'admin';
}

/** Whether a request changes state (and so needs the CSRF token when it comes with a session cookie). */
export const changesState = (method: string): boolean => !isSafe(method) && method !== 'OPTIONS';
