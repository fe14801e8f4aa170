/**
 * The worker thread of `pgliteThreadExecutor` (pglite-thread.ts): it opens PGlite and answers the
 * main thread's requests one message each. A transaction stays open here, between its `begin` and
 * its `end`, while the main thread runs its statements one by one.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Extensions, PGlite, Transaction } from '@electric-sql/pglite';
import { openPglite, type PgliteExecutorOptions } from './sql-executor.ts';
import type { PgliteThreadData, ThreadReply, ThreadRequest } from './pglite-thread-protocol.ts';

/** Extensions a caller may name: their modules are loaded here (functions cannot cross threads). */
const knownExtensions: Record<string, () => Promise<Extensions[string]>> = {
  fuzzystrmatch: async () => (await import('@electric-sql/pglite/contrib/fuzzystrmatch')).fuzzystrmatch,
};

const port = parentPort;
if (port === null) throw new Error('pglite-thread-worker.ts runs as a worker thread only');
const data = workerData as PgliteThreadData;

const extensions: Extensions = {};
for (const name of data.extensions) {
  const load = knownExtensions[name];
  if (load === undefined) throw new RangeError(`unknown PGlite extension ${JSON.stringify(name)}`);
  extensions[name] = await load();
}
const options: PgliteExecutorOptions = { ...data.options, extensions };

/** The error as plain data; `code` (SQLSTATE) is what the main thread classifies by. */
function errorData(error: unknown): { message: string; code?: string; name: string } {
  if (!(error instanceof Error)) return { message: String(error), name: 'Error' };
  const code = (error as { code?: unknown }).code;
  return { message: error.message, name: error.name, ...(typeof code === 'string' ? { code } : {}) };
}

interface OpenTransaction {
  tx: Transaction;
  /** Ends the transaction: commit when true, roll back when false. */
  end: (commit: boolean) => void;
  /** PGlite's transaction() itself: settles once COMMIT (or ROLLBACK) ran. */
  settled: Promise<void>;
}

class RolledBack extends Error {}

const transactions = new Map<number, OpenTransaction>();
const reply = (message: ThreadReply) => port.postMessage(message);

let db: PGlite;
try {
  db = await openPglite(options);
  reply({ id: 0, ok: true });
} catch (error) {
  reply({ id: 0, ok: false, error: errorData(error) });
  process.exit(1);
}

function runner(tx: number | undefined): Pick<PGlite, 'query' | 'exec'> {
  if (tx === undefined) return db;
  const open = transactions.get(tx);
  if (open === undefined) throw new Error(`transaction ${tx} is not open`);
  return open.tx;
}

async function handle(request: ThreadRequest): Promise<unknown> {
  switch (request.op) {
    case 'query':
      return (await runner(request.tx).query(request.text, request.params)).rows;
    case 'script':
      await runner(request.tx).exec(request.text);
      return undefined;
    case 'copy':
      await runner(request.tx).query(`COPY ${request.target} FROM '/dev/blob'`, [], { blob: new Blob([request.text]) });
      return undefined;
    case 'begin':
      return new Promise<undefined>((started, failed) => {
        // PGlite runs the callback after BEGIN, so `settled` is set by then.
        const settled = db.transaction(
          (tx) =>
            new Promise<void>((commit, rollBack) => {
              const end = (ok: boolean) => (ok ? commit() : rollBack(new RolledBack()));
              transactions.set(request.tx, { tx, end, settled });
              started(undefined);
            }),
        );
        // Failing before the callback ran (BEGIN refused) fails `begin`; later outcomes are `end`'s.
        settled.catch((error: unknown) => {
          if (!transactions.has(request.tx)) failed(error);
        });
      });
    case 'end': {
      const open = transactions.get(request.tx);
      if (open === undefined) throw new Error(`transaction ${request.tx} is not open`);
      open.end(request.commit);
      try {
        await open.settled;
      } catch (error) {
        if (!(error instanceof RolledBack)) throw error;
      } finally {
        transactions.delete(request.tx);
      }
      return undefined;
    }
    case 'close':
      await db.close();
      return undefined;
  }
}

port.on('message', (request: ThreadRequest) => {
  handle(request).then(
    (result) => reply({ id: request.id, ok: true, result }),
    (error: unknown) => reply({ id: request.id, ok: false, error: errorData(error) }),
  );
});
