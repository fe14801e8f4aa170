import { Worker } from 'node:worker_threads';
import { countNoBots, type BotCounting } from '../../../contract/bot-traffic.ts';
import type { EnrichedEvent } from '../../../contract/event-schema.ts';
import { PulseError } from '../../../shared/errors.ts';
import { sqliteErrorKind, storeError } from '../../store-errors.ts';
import type { ProcessingError, TimeRange, Warehouse, WarehouseOptions } from '../warehouse.ts';
import { EXPORT_PAGE_SIZE, openSqliteWarehouseCore, type SqliteWarehouseCore } from './sqlite-warehouse-core.ts';
import type { SqliteThreadData, SqliteThreadReply, SqliteThreadRequest } from './sqlite-thread-protocol.ts';

/**
 * The Warehouse port on SQLite (Node's built-in node:sqlite): embedded mode's warehouse. The
 * database is one file (PULSE_DATA_DIR/warehouse.sqlite) with one table of raw events (schema.ts);
 * the core (sqlite-warehouse-core.ts) is synchronous, so by default it runs on a worker thread of
 * its own and its writes and History reads use the second core instead of the event loop.
 *
 * Exactly-once: a unique index on event_id; forgetUser keeps the erased ids (no user data), so a
 * replay of the log skips them instead of bringing them back.
 */
export interface SqliteWarehouseOptions extends WarehouseOptions {
  /** The database file; absent: in memory (tests). */
  file?: string | undefined;
  /** Run the core on a worker thread (default true); false runs it on the caller's thread. */
  thread?: boolean | undefined;
  /** SQLite's page cache in KiB (default 8,192). */
  cacheKiB?: number | undefined;
}

/** The Warehouse plus what `pulse db` and tests read beyond the port. */
export interface SqliteWarehouse extends Warehouse {
  readonly kind: 'sqlite';
  readErrors(): Promise<ProcessingError[]>;
  /** Ends the warehouse's thread as a crash would; the next call starts another (tests). */
  killThread(): Promise<void>;
}

type CoreMethod = Exclude<keyof SqliteWarehouseCore, 'close'> | 'close';
type Caller = <M extends CoreMethod>(method: M, args: Parameters<SqliteWarehouseCore[M]>) => Promise<ReturnType<SqliteWarehouseCore[M]>>;

/** A failure as the port reports it: argument errors as they are, SQLite's as store errors. */
function classify(method: string, error: unknown): unknown {
  if (error instanceof PulseError || error instanceof RangeError || error instanceof TypeError) return error;
  const kind = sqliteErrorKind(error);
  const message = error instanceof Error ? error.message.split('\n', 1)[0] : String(error);
  return storeError(kind, `sqlite ${method} failed (${kind}): ${message}`, error);
}

function directCaller(options: SqliteWarehouseOptions, countBots: BotCounting): { call: Caller; stop: () => Promise<void> } {
  const core = openSqliteWarehouseCore({ file: options.file, cacheKiB: options.cacheKiB, countBots });
  return {
    call: async (method, args) => {
      try {
        return (core[method] as (...a: unknown[]) => never)(...args);
      } catch (error) {
        throw classify(method, error);
      }
    },
    stop: async () => core.close(),
  };
}

/** An error that crossed from the thread, rebuilt with its name (RangeError stays a RangeError) and SQLite's code. */
function rebuilt(data: { message: string; name: string; code?: string; errcode?: number }): Error {
  const error =
    data.name === 'RangeError'
      ? new RangeError(data.message)
      : data.name === 'TypeError'
        ? new TypeError(data.message)
        : new Error(data.message);
  if (data.name !== 'RangeError' && data.name !== 'TypeError') error.name = data.name;
  Object.assign(error, data.code === undefined ? {} : { code: data.code }, data.errcode === undefined ? {} : { errcode: data.errcode });
  return error;
}

/** One started thread: its requests in flight, and whether it still runs. */
interface Thread {
  call: Caller;
  alive(): boolean;
  terminate(): Promise<void>;
}

function startThread(options: SqliteWarehouseOptions, countBots: BotCounting): Thread {
  const data: SqliteThreadData = { file: options.file, cacheKiB: options.cacheKiB };
  const worker = new Worker(new URL('./sqlite-warehouse-thread.ts', import.meta.url), { workerData: data });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void; method: string }>();
  let nextId = 1;
  let gone: Error | undefined;
  const settleAll = (error: Error) => {
    gone ??= error;
    for (const { reject } of pending.values()) reject(storeError('unavailable', `sqlite: ${error.message}`, error));
    pending.clear();
  };
  worker.on('message', (reply: SqliteThreadReply) => {
    const waiting = pending.get(reply.id);
    if (waiting === undefined) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if (reply.ok) waiting.resolve(reply.result);
    else waiting.reject(classify(waiting.method, rebuilt(reply.error)));
  });
  worker.on('error', (error) => settleAll(new Error(`the SQLite thread failed: ${error.message}`, { cause: error })));
  worker.on('exit', (code) => settleAll(new Error(`the SQLite thread ended (exit code ${code})`)));
  worker.unref();
  return {
    call: (method, args) =>
      new Promise((resolve, reject) => {
        if (gone !== undefined) {
          reject(storeError('unavailable', `sqlite ${method}: ${gone.message}`, gone));
          return;
        }
        const id = nextId++;
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject, method });
        worker.ref();
        const request: SqliteThreadRequest = { id, method, args, botSites: countBots.sites() };
        worker.postMessage(request);
      }),
    alive: () => gone === undefined,
    terminate: async () => {
      await worker.terminate();
    },
  };
}

/**
 * The core on a thread of its own. A thread that ended on its own (a crash, or terminated) fails
 * what it was doing as "store unavailable" (the caller retries); the next call starts a new thread
 * on the same file, migrated again when the old one was, and SQLite's write-ahead log holds every
 * committed batch. `kill` ends the thread as a crash would (tests).
 */
async function threadCaller(
  options: SqliteWarehouseOptions,
  countBots: BotCounting,
): Promise<{ call: Caller; stop: () => Promise<void>; kill: () => Promise<void> }> {
  let thread = startThread(options, countBots);
  let migrated = false;
  let stopped = false;
  let restarting: Promise<Thread> | undefined;
  const current = async (): Promise<Thread> => {
    if (thread.alive()) return thread;
    if (stopped) throw storeError('unavailable', 'sqlite: the warehouse is closed');
    restarting ??= (async () => {
      const next = startThread(options, countBots);
      if (migrated) await next.call('migrate', []);
      thread = next;
      return next;
    })().finally(() => {
      restarting = undefined;
    });
    return restarting;
  };
  const call: Caller = async (method, args) => {
    const result = await (await current()).call(method, args);
    if (method === 'migrate') migrated = true;
    return result;
  };
  // The thread opens the database as it starts: a first call surfaces a file that cannot be opened.
  await call('ping', []);
  return {
    call,
    stop: async () => {
      stopped = true;
      if (thread.alive()) await thread.call('close', []).catch(() => undefined);
      await thread.terminate();
    },
    kill: () => thread.terminate(),
  };
}

export async function createSqliteWarehouse(options: SqliteWarehouseOptions = {}): Promise<SqliteWarehouse> {
  const countBots = options.countBots ?? countNoBots;
  const { call, stop, kill } =
    options.thread === false ? { ...directCaller(options, countBots), kill: undefined } : await threadCaller(options, countBots);
  let closed: Promise<void> | undefined;
  return {
    kind: 'sqlite',
    migrate: () => call('migrate', []),
    writeEvents: (events: readonly EnrichedEvent[]) => call('writeEvents', [events]),
    writeErrors: (errors) => call('writeErrors', [errors]),
    readErrors: () => call('readErrors', []),
    pageAggregates: (range) => call('pageAggregates', [range]),
    timeSeries: (range, bucket) => call('timeSeries', [range, bucket]),
    breakdown: (range, dimension, limit) => call('breakdown', [range, dimension, limit]),
    botTraffic: (range, limit) => call('botTraffic', [range, limit]),
    counts: () => call('counts', []),
    async *exportEvents(range: TimeRange, pageSize = EXPORT_PAGE_SIZE) {
      let after: { at: number; id: string } | undefined;
      for (;;) {
        const page = await call('exportPage', [range, pageSize, after]);
        if (page.events.length > 0) yield page.events;
        if (page.next === undefined) return;
        after = page.next;
      }
    },
    forgetUser: (site, userId) => call('forgetUser', [site, userId]),
    funnel: (query) => call('funnel', [query]),
    retention: (query) => call('retention', [query]),
    customEvents: (range, limit) => call('customEvents', [range, limit]),
    customEventSeries: (range, name, bucket) => call('customEventSeries', [range, name, bucket]),
    eventProperty: (range, name, key, limit) => call('eventProperty', [range, name, key, limit]),
    eventPropertyKeys: (range, name, limit) => call('eventPropertyKeys', [range, name, limit]),
    ping: () => call('ping', []),
    close: () => (closed ??= stop()),
    killThread: async () => {
      if (kill === undefined) throw new TypeError("this SQLite warehouse runs on the caller's thread");
      await kill();
    },
  };
}
