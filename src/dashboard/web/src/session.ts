/**
 * Who is using the dashboard, and the one way it talks to the API. Every
 * request of the dashboard goes through {@link apiFetch}: it sends the
 * session's CSRF token (`X-Pulse-CSRF`, kept in memory only) with every
 * request that changes something, and an answer 401 to a request that relied
 * on the session cookie means the session is over (expired, or signed out
 * in another tab): the page goes back to the sign-in form.
 *
 * Nothing here touches `window` when imported, so the API modules that use
 * it stay importable by the unit tests under Node.
 */

export type Role = 'admin' | 'viewer' | 'share';

/** GET /api/auth/me (and the answer of login and setup). */
export interface Me {
  /** session: signed in here; token/operator: an Authorization header the browser sends; share: a share link. */
  via: 'session' | 'token' | 'operator' | 'share';
  role: Role;
  user: { id: string; username: string } | null;
  /** Site keys this principal may read, or `*` for every site. */
  sites: string[] | '*';
  csrf: string | null;
}

/** An error answer of the API: `{ error, message }`, with the status and Retry-After kept. */
export class ApiError extends Error {
  readonly status: number;
  /** The answer's `error` field: `invalid_credentials`, `account_locked`, `site_forbidden`, `conflict`, … */
  readonly code: string;
  /** Retry-After of a 429/503, in seconds. */
  readonly retryAfter: number | undefined;
  constructor(status: number, code: string, message: string, retryAfter?: number) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

export const CSRF_HEADER = 'x-pulse-csrf';

let current: Me | null = null;
let onExpired: (() => void) | undefined;

/** The signed-in principal; null before sign-in. */
export const me = (): Me | null => current;

export function setMe(next: Me | null): void {
  current = next;
}

export const isAdmin = (): boolean => current?.role === 'admin';
export const isShare = (): boolean => current?.role === 'share';

/** Called once when an API answer says the session is gone (see {@link apiFetch}). */
export function whenExpired(handler: () => void): void {
  onExpired = handler;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Answers 401 by design (a wrong password, no session yet): never a sign of an expired session. */
const AUTH_PATHS = ['/api/auth/login', '/api/auth/setup', '/api/auth/me', '/api/auth/logout'];

const pathOf = (input: string): string => input.split('?')[0] ?? input;

/**
 * fetch() for the API: same-origin credentials, `X-Pulse-CSRF` on every request that changes
 * state, and a 401 on a request that relied on the cookie reported through {@link whenExpired}.
 * A request sent with its own Authorization header (the Kafka view's admin token) is judged by
 * the caller: a wrong token is not an expired session.
 */
export async function apiFetch(input: string, init: RequestInit = {}): Promise<Response> {
  const method = (init.method ?? 'GET').toUpperCase();
  const headers = new Headers(init.headers);
  if (!headers.has('accept')) headers.set('accept', 'application/json');
  const csrf = current?.csrf ?? null;
  if (!SAFE.has(method) && csrf !== null) headers.set(CSRF_HEADER, csrf);
  const response = await fetch(input, { ...init, method, headers, credentials: 'same-origin' });
  if (response.status === 401 && !headers.has('authorization') && !AUTH_PATHS.includes(pathOf(input)) && current !== null) {
    const handler = onExpired;
    onExpired = undefined; // once: many requests may fail together
    handler?.();
  }
  return response;
}

/** The API error of a failed answer (its JSON `{ error, message }` when there is one). */
export async function apiError(response: Response, what: string): Promise<ApiError> {
  const body = (await response.json().catch(() => ({}))) as { error?: string; message?: string };
  const retry = Number(response.headers.get('retry-after') ?? NaN);
  return new ApiError(
    response.status,
    body.error ?? 'http_error',
    body.message ?? `${what}: HTTP ${response.status}`,
    Number.isFinite(retry) ? retry : undefined,
  );
}

/** A JSON request to the API; a refusal throws {@link ApiError}. 204 answers resolve to undefined. */
export async function apiJson<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await apiFetch(path, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  if (!response.ok) throw await apiError(response, `${method} ${pathOf(path)}`);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** GET /api/auth/me: who this browser is, or null without credentials (401). */
export async function readMe(): Promise<Me | null> {
  const response = await apiFetch('/api/auth/me');
  if (response.status === 401) return null;
  if (!response.ok) throw await apiError(response, 'GET /api/auth/me');
  return (await response.json()) as Me;
}

export const login = (username: string, password: string): Promise<Me> => apiJson<Me>('POST', '/api/auth/login', { username, password });

export const setupNeeded = async (): Promise<boolean> => (await apiJson<{ needed: boolean }>('GET', '/api/auth/setup')).needed;

export const completeSetup = (token: string, username: string, password: string): Promise<Me> =>
  apiJson<Me>('POST', '/api/auth/setup', { token, username, password });

/** Ends the session (and drops a share link's cookie). */
export async function logout(): Promise<void> {
  await apiJson<undefined>('POST', '/api/auth/logout');
  current = null;
}

/** How a principal is named in the header. */
export function principalName(principal: Me): string {
  if (principal.via === 'share') return 'shared view';
  if (principal.user !== null) return principal.user.username;
  return principal.via === 'operator' ? 'operator token' : 'API token';
}

/** "15 min", "42 s": a wait given in seconds. */
export function formatWait(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return `${minutes} min`;
  return `${Math.round(minutes / 60)} h`;
}
