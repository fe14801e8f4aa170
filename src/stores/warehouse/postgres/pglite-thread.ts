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

/** One started thread: its requests in flight, and why it ended (once it has). */
interface Thread {
  call(request: Request): Promise<unknown>;
  /** Closes the database, then ends the thread. */
  close(): Promise<void>;
  /** Ends the thread without closing the database, as a crash would (tests). */
  kill(): Promise<void>;
  /** False once the thread ended. */
  alive(): boolean;
}

/** Starts a thread and waits until its database is open. */
async function startThread(data: PgliteThreadData): Promise<Thread> {
  const worker = new Worker(new URL('./pglite-thread-worker.ts', import.meta.url), { workerData: data });
  const pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let gone: Error | undefined;

  const thread: Thread = {
    call: (request) =>
      new Promise((resolve, reject) => {
        if (gone !== undefined) {
          reject(gone);
          return;
        }
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage({ ...request, id });
      }),
    close: async () => {
      if (gone !== undefined) return;
      try {
        await thread.call({ op: 'close' });
      } finally {
        await worker.terminate();
      }
    },
    kill: async () => {
      await worker.terminate();
    },
    alive: () => gone === undefined,
  };
  const settleAll = (error: Error) => {
    if (gone !== undefined) return;
    gone = error;
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

  // Reply 0 is the thread's own report that the database opened (or why it did not).
  try {
    await new Promise((resolve, reject) => pending.set(0, { resolve, reject }));
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  return thread;
}

/** Ends the executor's current PGlite thread without closing its database, as a crash would (tests). */
const killers = new WeakMap<SqlExecutor, () => Promise<void>>();
export const killPgliteThread = (executor: SqlExecutor): Promise<void> =>
  (killers.get(executor) ?? (() => Promise.reject(new Error('not a PGlite thread executor'))))();

/**
 * PGlite in a worker thread of its own, behind the same SqlExecutor as `pgliteExecutor`. PGlite runs
 * PostgreSQL synchronously on the thread that calls it; in the main thread every write batch and
 * every History query held up ingest, the realtime worker and the dashboard, and the second core
 * idled. PGlite's own worker (`@electric-sql/pglite/worker`) is built on browser Web Workers and
 * navigator.locks, so this small message protocol does the same over node:worker_threads.
 * Rows cross threads by structured clone (Dates, numbers, strings, arrays as PGlite parsed them).
 *
 * A thread that ends on its own (WebAssembly aborted, out of memory) fails what it was doing as
 * unavailable, which callers retry, and the next call starts a new one on the same files: PostgreSQL
 * recovers them from its WAL as after a crash, so what was committed stays and what was not is gone.
 */
export async function pgliteThreadExecutor(options: PgliteThreadOptions): Promise<SqlExecutor> {
  const { extensions = [], ...rest } = options;
  const data: PgliteThreadData = { options: rest, extensions: [...extensions] };
  let closed = false;
  let nextTx = 1;
  let current: Promise<Thread> | undefined;
  const open = (): Promise<Thread> => {
    const started = startThread(data);
    current = started;
    started.catch(() => {
      if (current === started) current = undefined;
    });
    return started;
  };
  await open(); // the first start fails loudly (bad directory, missing extension), as before

  /** The thread in use; a new one when the last one ended on its own. */
  const thread = async (): Promise<Thread> => {
    if (closed) throw new Error('the PGlite executor is closed');
    const now = current ?? open();
    const got = await now;
    if (got.alive()) return got;
    if (current === now) current = undefined;
    return current ?? open();
  };
  const session = (on: () => Promise<Thread>, tx?: number): SqlSession => ({
    query: async <Row extends object>(text: string, params: readonly unknown[] = []) =>
      (await (await on()).call({ op: 'query', tx, text, params: [...params] })) as Row[],
    script: async (text: string) => {
      await (await on()).call({ op: 'script', tx, text });
    },
    copyFrom: async (target: string, chunks: Iterable<string>) => {
      await (await on()).call({ op: 'copy', tx, target, text: [...chunks].join('') });
    },
  });

  const executor: SqlExecutor = {
    engine: 'pglite',
    ...classifiedSession('pglite', session(thread)),
    transaction: <T>(work: (tx: SqlSession) => Promise<T>) =>
      classified('pglite', 'transaction', async () => {
        // A transaction lives in one thread: if that thread ends, its statements fail there (never on a new one).
        const own = await thread();
        const tx = nextTx++;
        await own.call({ op: 'begin', tx });
        let result: T;
        try {
          result = await work(
            classifiedSession(
              'pglite',
              session(() => Promise.resolve(own), tx),
            ),
          );
        } catch (error) {
          await own.call({ op: 'end', tx, commit: false }).catch(() => undefined);
          throw error;
        }
        await own.call({ op: 'end', tx, commit: true });
        return result;
      }),
    close: async () => {
      if (closed) return;
      closed = true;
      const last = await current?.catch(() => undefined);
      await last?.close();
    },
  };
  killers.set(executor, async () => {
    await (await thread()).kill();
  });
  return executor;
}
