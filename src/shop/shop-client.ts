import { PulseError, errorCodes } from '../shared/errors.ts';
import type { SearchResult } from '../stores/search/search-index.ts';
import type { BanKind, BanRule } from './ban-rules.ts';
import type { Product } from './product.ts';
import type { Recommendation } from './recommend.ts';
import type { ShopAdmin } from './shop-admin.ts';

/** The shop API of a running Pulse (embedded, or `pulse dashboard` with OpenSearch), as the CLI uses it. */
export interface ShopClient extends ShopAdmin {
  readonly where: string;
  search(request: {
    q: string;
    category?: string | undefined;
    brand?: string | undefined;
    userId?: string | undefined;
    limit?: number | undefined;
  }): Promise<SearchResult>;
  recommend(userId: string, limit?: number): Promise<Recommendation>;
}

export function httpShopClient(baseUrl: string, adminToken: string | undefined): ShopClient {
  const call = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const headers: Record<string, string> = { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) };
    if (adminToken !== undefined) headers['authorization'] = `Bearer ${adminToken}`;
    const response = await fetch(`${baseUrl}${path}`, { ...init, headers }).catch((error: unknown) => {
      throw new PulseError(
        errorCodes.BUS_UNAVAILABLE,
        `no running Pulse at ${baseUrl} (start one with \`pulse start\`, or set PULSE_URL): ${error instanceof Error ? error.message : String(error)}`,
      );
    });
    const text = await response.text();
    if (!response.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        // not JSON: keep the text
      }
      throw new Error(`${response.status}: ${message}`);
    }
    return JSON.parse(text) as T;
  };
  const query = (params: Record<string, string | number | undefined>): string =>
    new URLSearchParams(
      Object.entries(params).flatMap(([k, v]): [string, string][] => (v === undefined ? [] : [[k, String(v)]])),
    ).toString();
  return {
    where: baseUrl,
    search: (request) =>
      call(
        `/api/shop/search?${query({ q: request.q, category: request.category, brand: request.brand, user_id: request.userId, limit: request.limit })}`,
      ),
    recommend: (userId, limit) => call(`/api/shop/recommendations?${query({ user_id: userId, limit })}`),
    async publishProducts(products: readonly Product[]) {
      let published = 0;
      for (let i = 0; i < products.length; i += 2000) {
        const body = JSON.stringify(products.slice(i, i + 2000));
        published += (await call<{ published: number }>('/api/admin/shop/products', { method: 'POST', body })).published;
      }
      return published;
    },
    ban: async (kind: BanKind, value: string, reason?: string) =>
      (
        await call<{ ban: BanRule }>('/api/admin/shop/bans', {
          method: 'POST',
          body: JSON.stringify({ kind, value, ...(reason === undefined ? {} : { reason }) }),
        })
      ).ban,
    unban: async (kind: BanKind, value: string) =>
      (await call<{ lifted: boolean }>(`/api/admin/shop/bans/${kind}/${encodeURIComponent(value)}`, { method: 'DELETE' })).lifted,
    bans: async () => (await call<{ bans: BanRule[] }>('/api/admin/shop/bans')).bans,
  };
}
