import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';
import type { Config } from '../config/config.ts';
import { createLogger } from '../shared/logger.ts';

/**
 * `pulse ingest` on several cores (PULSE_INGEST_PROCESSES > 1). Ingest is CPU-bound on one event
 * loop (BENCHMARKS.md, "Ingest against Kafka's ProducerPerformance"), so a box with more cores runs
 * several ingest processes on one port, as nginx or PM2 would: node:cluster's primary forks them,
 * hands each new connection to the next one, restarts one that dies, and answers /metrics for the
 * whole group (it collects every listening member's registry over IPC and sums them with
 * prom-client's AggregatorRegistry.aggregate), so Prometheus scrapes one target and sees every
 * request whichever process served it.
 *
 * Each process is an ordinary `pulse ingest` with its own producer; they share nothing else. The
 * per-IP and per-site rate limits are split evenly between them (ingest-settings.ts).
 */

/** member → primary: "what is the group's /metrics?"; primary → member: the answer. */
const METRICS_REQUEST = 'pulse:ingest-metrics';
const METRICS_ANSWER = 'pulse:ingest-metrics-answer';
/** primary → member: "your metrics, please"; member → primary: its registry as JSON. */
const COLLECT_REQUEST = 'pulse:ingest-collect';
const COLLECT_ANSWER = 'pulse:ingest-collect-answer';
/** How long the primary waits for a member's metrics before leaving it out of the answer. */
const COLLECT_TIMEOUT_MS = 3000;
/** A process that started and then died is started again after this pause, doubled for each death in a row (≤ 30 s). */
const RESTART_PAUSE_MS = 1000;

interface MetricsRequest {
  type: typeof METRICS_REQUEST;
  id: number;
}
interface MetricsAnswer {
  type: typeof METRICS_ANSWER;
  id: number;
  text?: string;
  error?: string;
}
interface CollectRequest {
  type: typeof COLLECT_REQUEST;
  id: number;
}
interface CollectAnswer {
  type: typeof COLLECT_ANSWER;
  id: number;
  metrics: MetricObjectWithValues<MetricValue<string>>[];
}

const isMessage = <T extends { type: string }>(message: unknown, type: T['type']): message is T =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;

/** True in a process forked by runIngestPrimary: it serves ingest, and its /metrics asks the primary. */
export const isIngestGroupMember = (): boolean => cluster.isWorker;

/**
 * A member whose start failed lets go of its primary, so it can end with its own exit code: its IPC
 * channel would keep it alive, and a plain disconnect makes node:cluster exit it with 0.
 */
export const leaveGroup = (): void => {
  cluster.worker?.disconnect();
};

/**
 * The primary: forks `config.PULSE_INGEST_PROCESSES` ingest processes and supervises them until
 * SIGTERM/SIGINT, which it passes on; resolves with the exit code once they have exited. If a
 * process exits before it ever listened (its port taken, Kafka unreachable at start), the whole
 * group stops with its exit code: restarting it would fail the same way.
 */
export async function runIngestPrimary(config: Config): Promise<number> {
  const logger = createLogger(config.PULSE_LOG_LEVEL, 'pulse-ingest-primary');
  const count = config.PULSE_INGEST_PROCESSES;
  const listened = new WeakSet<Worker>();
  let stopping = false;
  let deathsInARow = 0;
  let nextCollect = 0;
  const collecting = new Map<number, (answer: CollectAnswer) => void>();

  /** One member's metrics as JSON; undefined if it does not answer in time (it is starting or stopping). */
  const collectFrom = (worker: Worker): Promise<CollectAnswer['metrics'] | undefined> =>
    new Promise((resolve) => {
      const id = (nextCollect += 1);
      const timer = setTimeout(() => {
        collecting.delete(id);
        resolve(undefined);
      }, COLLECT_TIMEOUT_MS);
      collecting.set(id, (answer) => {
        clearTimeout(timer);
        collecting.delete(id);
        resolve(answer.metrics);
      });
      // A member that has just exited: no answer, left out (a send error must not reach the primary's 'error' events).
      worker.send({ type: COLLECT_REQUEST, id } satisfies CollectRequest, undefined, (error) => error && resolve(undefined));
    });

  /** The group's metrics: every member that listens, summed (prom-client's aggregation rules). */
  const answerMetrics = (worker: Worker, request: MetricsRequest): void => {
    const members = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && listened.has(w) && w.isConnected());
    void Promise.all(members.map(collectFrom))
      .then((all) => AggregatorRegistry.aggregate(all.filter((m) => m !== undefined)).metrics())
      .then(
        (text): MetricsAnswer => ({ type: METRICS_ANSWER, id: request.id, text }),
        (error: unknown): MetricsAnswer => ({ type: METRICS_ANSWER, id: request.id, error: String(error) }),
      )
      .then((answer) => worker.send(answer, undefined, () => undefined)); // the asker may have exited meanwhile
  };

  const fork = (): void => {
    const worker = cluster.fork();
    worker.on('listening', () => {
      listened.add(worker);
      deathsInARow = 0;
    });
    worker.on('message', (message: unknown) => {
      if (isMessage<MetricsRequest>(message, METRICS_REQUEST)) answerMetrics(worker, message);
      else if (isMessage<CollectAnswer>(message, COLLECT_ANSWER)) collecting.get(message.id)?.(message);
    });
  };

  /** Passes the shutdown on as SIGTERM (a terminal's Ctrl-C also reaches them as SIGINT; each stops once). */
  const stopAll = (why: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ why }, 'shutting down the ingest processes');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };

  let exitCode = 0;
  const exited = new Promise<number>((resolve) => {
    cluster.on('exit', (worker, code, signal) => {
      if (!stopping && !listened.has(worker)) {
        logger.error({ member: worker.process.pid, code, signal }, 'an ingest process exited before it listened; stopping the group');
        exitCode = code === 0 || code === null ? 1 : code;
        stopAll('a process failed to start');
      }
      if (stopping) {
        if (Object.keys(cluster.workers ?? {}).length === 0) resolve(exitCode);
        return;
      }
      deathsInARow += 1;
      const pause = Math.min(30_000, RESTART_PAUSE_MS * 2 ** (deathsInARow - 1));
      logger.error({ member: worker.process.pid, code, signal, restartInMs: pause }, 'an ingest process died; starting another');
      setTimeout(() => stopping || fork(), pause);
    });
  });

  process.once('SIGINT', () => stopAll('SIGINT'));
  process.once('SIGTERM', () => stopAll('SIGTERM'));
  for (let i = 0; i < count; i += 1) fork();
  logger.info({ processes: count, port: config.PULSE_PORT }, 'ingest processes started');
  return exited;
}

/**
 * In a group member: answers the primary's collection requests with `registry`, and returns what
 * /metrics answers (the whole group's metrics, asked from the primary).
 */
export function groupExposition(registry: Registry): () => Promise<string> {
  let next = 0;
  const waiting = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
  process.on('message', (message: unknown) => {
    if (isMessage<CollectRequest>(message, COLLECT_REQUEST)) {
      void registry
        .getMetricsAsJSON()
        .then((metrics) =>
          process.send?.({ type: COLLECT_ANSWER, id: message.id, metrics } satisfies CollectAnswer, undefined, undefined, () => undefined),
        )
        .catch(() => undefined); // unanswered: the primary leaves this member out after COLLECT_TIMEOUT_MS
      return;
    }
    if (!isMessage<MetricsAnswer>(message, METRICS_ANSWER)) return;
    const pending = waiting.get(message.id);
    if (pending === undefined) return;
    waiting.delete(message.id);
    if (message.text !== undefined) pending.resolve(message.text);
    else pending.reject(new Error(`the ingest primary could not collect the metrics: ${message.error ?? 'no answer'}`));
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = (next += 1);
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('the ingest primary did not answer for the metrics within 10 s'));
      }, 10_000);
      waiting.set(id, {
        resolve: (text) => (clearTimeout(timer), resolve(text)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      process.send?.({ type: METRICS_REQUEST, id } satisfies MetricsRequest, undefined, undefined, (error) => {
        if (!error) return;
        waiting.get(id)?.reject(new Error(`the ingest primary cannot be asked for the metrics: ${error.message}`));
        waiting.delete(id);
      });
    });
}
