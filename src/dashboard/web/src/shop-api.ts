/**
 * Reads of the shop API. A 404 is told apart from other failures: the
 * server has no marketplace (no search index), so retrying would not help.
 */
import { apiFetch } from './session.ts';
import type { ShopCategory, ShopSearchResult, ShopStats, ShopUpdate } from './shop-types.ts';

export class ShopHttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The server answered 404 for a shop route: the marketplace is not enabled there. */
export const isShopOff = (error: unknown): boolean => error instanceof ShopHttpError && error.status === 404;

async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const response = await apiFetch(url, signal === undefined ? {} : { signal });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { message?: string };
    throw new ShopHttpError(response.status, body.message ?? `${url.split('?')[0] ?? url}: HTTP ${response.status}`);
  }
  return (await response.json()) as T;
}

/** What one `shop` event carries, read with two requests (the polling fallback of the stream). */
export async function readShop(signal?: AbortSignal): Promise<ShopUpdate> {
  const [categories, stats] = await Promise.all([
    getJson<{ categories: ShopCategory[] }>('/api/shop/categories', signal),
    getJson<ShopStats>('/api/shop/stats?bucket=minute', signal),
  ]);
  return { categories: categories.categories, stats };
}

export interface ShopSearchRequest {
  q: string;
  category?: string | undefined;
  brand?: string | undefined;
  limit?: number;
}

/** The dashboard searches as user `dashboard`, so its own queries are told apart in the query log. */
export const DASHBOARD_USER = 'dashboard';

export function searchUrl(request: ShopSearchRequest): string {
  const params = new URLSearchParams({ q: request.q, user_id: DASHBOARD_USER, limit: String(request.limit ?? 8) });
  if (request.category !== undefined) params.set('category', request.category);
  if (request.brand !== undefined) params.set('brand', request.brand);
  return `/api/shop/search?${params.toString()}`;
}

export const searchShop = (request: ShopSearchRequest, signal?: AbortSignal): Promise<ShopSearchResult> =>
  getJson<ShopSearchResult>(searchUrl(request), signal);
