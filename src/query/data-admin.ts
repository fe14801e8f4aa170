import type { TimeRange } from '../stores/warehouse/warehouse.ts';
import { countRows, exportText, forgetVisitor, type ExportFormat, type StoredData } from './admin-operations.ts';
import { requireWarehouse } from './history-routes.ts';

/**
 * What `pulse db` does to stored data, wherever the stores are: opened directly (distributed
 * setup) or inside a running embedded instance, reached over its admin API (PGlite admits one
 * process only). The composition root picks one.
 */
export interface DataAdmin {
  /** Where the data is, for messages. */
  readonly where: string;
  /** Schemas migrated (the kinds of store), or none when the store migrates itself at start. */
  migrate(): Promise<string[]>;
  counts(): Promise<Record<string, Record<string, number>>>;
  exportText(range: TimeRange, format: ExportFormat): AsyncIterable<string>;
  forget(site: string, userId: string): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** Directly on opened stores (already migrated when opened). */
export function storeAdmin(data: StoredData & { close(): Promise<void> }): DataAdmin {
  return {
    where: data.warehouses.map((w) => w.kind).join(', ') || 'the realtime store',
    migrate: async () => data.warehouses.map((w) => w.kind),
    counts: () => countRows(data),
    exportText: (range, format) => exportText(requireWarehouse(data.warehouses[0]), range, format),
    forget: (site, userId) => forgetVisitor(data, site, userId),
    close: () => data.close(),
  };
}

/** A running Pulse's admin API at `baseUrl`. */
export function httpAdmin(baseUrl: string, adminToken: string | undefined): DataAdmin {
  const headers: Record<string, string> = adminToken === undefined ? {} : { authorization: `Bearer ${adminToken}` };
  const call = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const response = await fetch(`${baseUrl}${path}`, { ...init, headers }).catch((error: unknown) => {
      throw new Error(
        `no running Pulse at ${baseUrl} (start one with \`pulse start\`, or set PULSE_POSTGRES_URL / PULSE_CLICKHOUSE_URL): ${String(error)}`,
      );
    });
    if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
    return response;
  };
  return {
    where: baseUrl,
    migrate: async () => [],
    counts: async () =>
      ((await (await call('/api/admin/counts')).json()) as { warehouses: Record<string, Record<string, number>> }).warehouses,
    async *exportText(range, format) {
      const query = new URLSearchParams({ format, from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() });
      if (range.site !== undefined) query.set('site', range.site);
      const response = await call(`/api/admin/export?${query.toString()}`);
      const decoder = new TextDecoder();
      for await (const chunk of response.body ?? []) yield decoder.decode(chunk as Uint8Array, { stream: true });
    },
    forget: async (site, userId) => {
      const query = new URLSearchParams({ site });
      const response = await call(`/api/admin/users/${encodeURIComponent(userId)}?${query.toString()}`, { method: 'DELETE' });
      return ((await response.json()) as { removed: Record<string, number> }).removed;
    },
    close: async () => {},
  };
}
