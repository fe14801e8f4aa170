/** Messages between sqlite-warehouse.ts and its thread (sqlite-warehouse-thread.ts). */

export interface SqliteThreadData {
  file: string | undefined;
  cacheKiB: number | undefined;
}

/** A call of one method of the core, with the sites that count bots at the time of the call. */
export interface SqliteThreadRequest {
  id: number;
  method: string;
  args: unknown[];
  botSites: readonly string[];
}

export type SqliteThreadReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { message: string; name: string; code?: string; errcode?: number } };
