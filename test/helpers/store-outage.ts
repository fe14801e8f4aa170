import assert from 'node:assert/strict';
import type { Bus, OutgoingRecord } from '../../src/bus/bus.ts';
import type { EnrichedEvent } from '../../src/contract/event-schema.ts';
import type { Warehouse } from '../../src/stores/warehouse/warehouse.ts';
import { startService, type PulseService } from './pipeline.ts';
import type { PrivateServer } from './private-services.ts';
import { waitFor } from './services.ts';

/**
 * The store-outage scenario every "store restarted under load" fault test runs: a worker process
 * reads a steady stream from Kafka into a private store; the store is crashed mid-stream, kept down
 * while the stream goes on (the worker must pause: nothing written, lag growing), then started
 * again; the worker must catch up by itself. The caller then compares the store with the stream.
 */

export interface SteadyLoad {
  /** Resolves when every record is produced (rejects if a produce fails). */
  done: Promise<void>;
  produced(): number;
}

/** Produces `records` in order, `chunk` at a time, one chunk every `everyMs` (each acknowledged before the next). */
export function steadyLoad(bus: Bus, records: readonly OutgoingRecord[], chunk: number, everyMs: number): SteadyLoad {
  let produced = 0;
  const done = (async () => {
    for (let at = 0; at < records.length; at += chunk) {
      const started = Date.now();
      await bus.produce(records.slice(at, at + chunk));
      produced = Math.min(records.length, at + chunk);
      const rest = everyMs - (Date.now() - started);
      if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
    }
  })();
  done.catch(() => undefined); // awaited by the scenario; never an unhandled rejection meanwhile
  return { done, produced: () => produced };
}

interface Status {
  state: string;
  records: { ok: number; dlq: number };
  totalLag: number | null;
  lastError: string | null;
}

export interface OutageReport {
  /** Records the worker had written when the store was crashed. */
  okAtCrash: number;
  /** ms from the crash until the worker reported `retrying`. */
  pausedAfterMs: number;
  /** ms the store was down (crash → answering again). */
  downMs: number;
  /** Consumer-group lag just before the store was started again (it only grew while the store was down). */
  lagAtRestart: number;
  /** ms from the store answering again to the worker's lag reaching 0 (the stream finished first). */
  catchUpMs: number;
  /** Everything the worker wrote (repeats after the outage included). */
  okAtEnd: number;
  dlq: number;
}

export interface OutageOptions {
  server: PrivateServer;
  bus: Bus;
  /** The worker command, e.g. ['worker', 'realtime']. */
  worker: string[];
  env: Record<string, string>;
  records: readonly OutgoingRecord[];
  /** Records the worker must have written before the crash. */
  crashAfter: number;
  /** Lag the stream must have built up while the store is down before it is started again. */
  lagWhileDown: number;
  /** PULSE_WORKER_BATCH and PULSE_WAREHOUSE_BATCH (default 50). */
  batch?: number;
  /** Overall bound of the scenario. */
  timeoutMs: number;
}

const statusOf = async (worker: PulseService): Promise<Status> =>
  (await (await fetch(`${worker.base}/status`, { signal: AbortSignal.timeout(5000) })).json()) as Status;

export async function storeOutageUnderLoad(options: OutageOptions): Promise<OutageReport> {
  const deadline = Date.now() + options.timeoutMs;
  const left = () => Math.max(1000, deadline - Date.now());
  const worker = await startService(options.worker, {
    PULSE_WORKER_BATCH: String(options.batch ?? 50),
    PULSE_WAREHOUSE_BATCH: String(options.batch ?? 50),
    ...options.env,
  });
  /** The worker's most recent /status answer, printed when the scenario fails. */
  let lastStatus: Status | undefined;
  const status = async (of: PulseService): Promise<Status> => (lastStatus = await statusOf(of));
  try {
    const load = steadyLoad(options.bus, options.records, 50, 100);
    await waitFor(async () => ((await status(worker)).records.ok >= options.crashAfter ? true : undefined), 'the worker under way', left());

    await options.server.crash();
    const crashedAt = Date.now();
    const paused = await waitFor(
      async () => {
        const now = await status(worker);
        return now.state === 'retrying' ? now : undefined;
      },
      'the worker to report retrying',
      left(),
    );
    const pausedAfterMs = Date.now() - crashedAt;
    const okAtCrash = paused.records.ok;
    // The stream goes on while the store is down: the lag must grow, and the worker must write nothing.
    const down = await waitFor(
      async () => {
        const now = await status(worker);
        return (now.totalLag ?? 0) >= options.lagWhileDown ? now : undefined;
      },
      `lag ≥ ${options.lagWhileDown} while the store is down`,
      left(),
    );
    assert.equal(down.records.ok, okAtCrash, 'nothing counted as written while the store is down');
    assert.equal(down.state, 'retrying');
    assert.ok(down.lastError !== null && down.lastError.startsWith('sink write'), `last error names the sink: ${down.lastError}`);

    const lagAtRestart = down.totalLag ?? 0;
    await options.server.start();
    const restartedAt = Date.now();
    const downMs = restartedAt - crashedAt;

    await load.done;
    assert.equal(load.produced(), options.records.length);
    const end = await waitFor(
      async () => {
        const now = await status(worker);
        return now.totalLag === 0 && now.state === 'running' ? now : undefined;
      },
      'the worker caught up after the restart',
      left(),
    );
    const catchUpMs = Date.now() - restartedAt;
    return { okAtCrash, pausedAfterMs, downMs, lagAtRestart, catchUpMs, okAtEnd: end.records.ok, dlq: end.records.dlq };
  } catch (error) {
    throw new Error(
      `${String(error)}\n--- last worker status ---\n${JSON.stringify(lastStatus)}\n--- worker output ---\n${worker.process.output().slice(-4000)}\n--- store log ---\n${options.server.log()}`,
      {
        cause: error,
      },
    );
  } finally {
    await worker.process.stop();
  }
}

/** The warehouse holds each of `events` exactly once (by event_id), and no other event of the site. */
export async function assertStoredOnce(warehouse: Warehouse, site: string, events: readonly EnrichedEvent[]): Promise<void> {
  const stored = new Map<string, number>();
  for await (const page of warehouse.exportEvents({ from: 0, to: Date.now() + 3_600_000, site })) {
    for (const event of page) stored.set(event.event_id, (stored.get(event.event_id) ?? 0) + 1);
  }
  const repeated = [...stored].filter(([, n]) => n > 1).length;
  assert.equal(repeated, 0, `${warehouse.kind}: no event stored twice`);
  assert.equal(stored.size, events.length, `${warehouse.kind}: every event stored`);
  assert.deepEqual([...stored.keys()].sort(), events.map((e) => e.event_id).sort(), `${warehouse.kind}: the very events sent`);
}

/** The warehouse's page views per page (its aggregates) count each page_view of `events` once. */
export async function assertPageViews(warehouse: Warehouse, site: string, events: readonly EnrichedEvent[]): Promise<void> {
  const views = new Map<string, number>();
  for (const event of events) if (event.type === 'page_view') views.set(event.path, (views.get(event.path) ?? 0) + 1);
  const aggregates = await warehouse.pageAggregates({ from: 0, to: Date.now() + 3_600_000, site });
  const got = new Map(aggregates.map((row) => [row.page, row.views]));
  const expected = [...views.values()].reduce((sum, n) => sum + n, 0);
  const counted = [...got.values()].reduce((sum, n) => sum + n, 0);
  assert.deepEqual(got, views, `${warehouse.kind}: page views per page (${counted} counted of ${expected})`);
}
