/**
 * The worker thread of the SQLite warehouse (sqlite-warehouse.ts): it opens the database and runs
 * each requested method of the core, one message at a time, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteWarehouseCore, type SqliteWarehouseCore } from './sqlite-warehouse-core.ts';
import type { SqliteThreadData, SqliteThreadReply, SqliteThreadRequest } from './sqlite-thread-protocol.ts';

const port = parentPort;
if (port === null) throw new Error('sqlite-warehouse-thread.ts runs as a worker thread only');
const data = workerData as SqliteThreadData;

/** The bot-counting sites of the call being run (the main thread's setting, read per call). */
let botSites: readonly string[] = [];
const core: SqliteWarehouseCore = openSqliteWarehouseCore({
  file: data.file,
  cacheKiB: data.cacheKiB,
  countBots: { counts: (site) => botSites.includes(site), sites: () => botSites },
});

const reply = (message: SqliteThreadReply) => port.postMessage(message);

port.on('message', (request: SqliteThreadRequest) => {
  try {
    botSites = request.botSites;
    const method = (core as unknown as Record<string, (...args: unknown[]) => unknown>)[request.method];
    if (typeof method !== 'function') throw new TypeError(`unknown warehouse method ${request.method}`);
    const result = method(...request.args);
    reply({ id: request.id, ok: true, result });
    if (request.method === 'close') port.close();
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    const { code, errcode } = e as { code?: unknown; errcode?: unknown };
    reply({
      id: request.id,
      ok: false,
      error: {
        message: e.message,
        name: e.name,
        ...(typeof code === 'string' ? { code } : {}),
        ...(typeof errcode === 'number' ? { errcode } : {}),
      },
    });
  }
});
