import { Worker } from 'node:worker_threads';
import { classified, classifiedSession, type PgliteExecutorOptions, type SqlExecutor, type SqlSession } from './sql-executor.ts';
import type { PgliteThreadData, ThreadReply, ThreadRequest } from './pglite-thread-protocol.ts';

export interface PgliteThreadOptions extends Omit<PgliteExecutorOptions, 'extensions'> {
  /** PGlite extensions by name, loaded in the thread (known: fuzzystrmatch). */
  extensions?: readonly string[] | undefined;
}

/** A failure the thread reported, with PostgreSQL's SQLSTATE as `code` (what the store errors classify by). */
class PgliteThreadError extends Error {
  readonly code: string | undefined;
  constructor(data: { message: string; name: string; code?: string }) {
    super(data.message);
    this.name = data.name;
    this.code = data.code;
  }
}

type Request = ThreadRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * PGlite in a worker thread of its own, behind the same SqlExecutor as `pgliteExecutor`. PGlite runs
 * PostgreSQL synchronously on the thread that calls it; in the main thread every write batch and
 * every History query held up ingest, the realtime worker and the dashboard, and the second core
 * idled. PGlite's own worker (`@electric-sql/pglite/worker`) is built on browser Web Workers and
 * navigator.locks, so this small message protocol does the same over node:worker_threads.
 * Rows cross threads by structured clone (Dates, numbers, strings, arrays as PGlite parsed them).
 */
export async function pgliteThreadExecutor(options: PgliteThreadOptions): Promise<SqlExecutor> {
  const { extensions = [], ...rest } = options;
  const data: PgliteThreadData = { options: rest, extensions: [...extensions] };
  const worker = new Worker(new URL('./pglite-thread-worker.ts', import.meta.url), { workerData: data });
  const pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let nextTx = 1;
  let gone: Error | undefined;

  const settleAll = (error: Error) => {
    gone ??= error;
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  worker.on('message', (message: ThreadReply) => {
    const waiting = pending.get(message.id);
    if (waiting === undefined) return;
    pending.delete(message.id);
    // The thread is kept from holding the process open while nothing waits for it.
    if (pending.size === 0) worker.unref();
    if (message.ok) waiting.resolve(message.result);
    else waiting.reject(new PgliteThreadError(message.error));
  });
  worker.on('error', (error) => settleAll(new Error(`the PGlite thread failed: ${error.message}`, { cause: error })));
  worker.on('exit', (code) => settleAll(new Error(`the PGlite thread exited (code ${code})`)));

  const call = (request: Request): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (gone !== undefined) {
        reject(gone);
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...request, id });
    });

  // Reply 0 is the thread's own report that the database opened (or why it did not).
  try {
    await new Promise((resolve, reject) => pending.set(0, { resolve, reject }));
  } catch (error) {
    await worker.terminate();
    throw error;
  }

  const session = (tx?: number): SqlSession => ({
    query: async <Row extends object>(text: string, params: readonly unknown[] = []) =>
      (await call({ op: 'query', tx, text, params: [...params] })) as Row[],
    script: async (text: string) => {
      await call({ op: 'script', tx, text });
    },
    copyFrom: async (target: string, chunks: Iterable<string>) => {
      await call({ op: 'copy', tx, target, text: [...chunks].join('') });
    },
  });

  return {
    engine: 'pglite',
    ...classifiedSession('pglite', session()),
    transaction: <T>(work: (tx: SqlSession) => Promise<T>) =>
      classified('pglite', 'transaction', async () => {
        const tx = nextTx++;
        await call({ op: 'begin', tx });
        let result: T;
        try {
          result = await work(classifiedSession('pglite', session(tx)));
        } catch (error) {
          await call({ op: 'end', tx, commit: false }).catch(() => undefined);
          throw error;
        }
        await call({ op: 'end', tx, commit: true });
        return result;
      }),
    close: async () => {
      if (gone !== undefined) return;
      try {
        await call({ op: 'close' });
      } finally {
        await worker.terminate();
      }
    },
  };
}
