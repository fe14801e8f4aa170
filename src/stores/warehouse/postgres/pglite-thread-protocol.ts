import type { PgliteExecutorOptions } from './sql-executor.ts';

/** What the worker thread is started with: everything but extensions, which it loads by name. */
export interface PgliteThreadData {
  options: Omit<PgliteExecutorOptions, 'extensions'>;
  extensions: string[];
}

/** One request of the main thread; `tx` names an open transaction (absent: outside any). */
export type ThreadRequest =
  | { id: number; op: 'query'; tx?: number | undefined; text: string; params: unknown[] }
  | { id: number; op: 'script'; tx?: number | undefined; text: string }
  | { id: number; op: 'copy'; tx?: number | undefined; target: string; text: string }
  | { id: number; op: 'begin'; tx: number }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' };

/** The answer to request `id` (0: the database opened, or failed to). */
export type ThreadReply =
  { id: number; ok: true; result?: unknown } | { id: number; ok: false; error: { message: string; name: string; code?: string } };
