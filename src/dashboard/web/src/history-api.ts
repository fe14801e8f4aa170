/**
 * Reads of the history API for one site and range. A 503
 * `history_unavailable` answer is told apart from other failures: the server
 * runs without a warehouse, so retrying would not help.
 */
import type {
  BreakdownDimension,
  HistoryBots,
  HistoryBreakdown,
  HistoryPages,
  HistoryTimeseries,
  HistoryUnavailable,
} from './api-types.ts';
import { historyQuery, type ResolvedRange } from './history-model.ts';
import { apiFetch } from './session.ts';

export class HistoryHttpError extends Error {
  readonly status: number;
  readonly body: Partial<HistoryUnavailable>;
  constructor(status: number, body: Partial<HistoryUnavailable>, url: string) {
    super(body.message ?? `${url}: HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export const isHistoryOff = (error: unknown): error is HistoryHttpError =>
  error instanceof HistoryHttpError && error.status === 503 && error.body.error === 'history_unavailable';

async function getJson<T>(url: string, signal: AbortSignal): Promise<T> {
  const response = await apiFetch(url, { signal });
  if (!response.ok) throw new HistoryHttpError(response.status, (await response.json().catch(() => ({}))) as HistoryUnavailable, url);
  return (await response.json()) as T;
}

export interface BreakdownRequest {
  dimension: BreakdownDimension;
  limit: number;
}

export interface HistoryReader {
  series(): Promise<HistoryTimeseries>;
  pages(): Promise<HistoryPages>;
  breakdown(request: BreakdownRequest): Promise<HistoryBreakdown>;
  /** Bot traffic of the range, the `limit` busiest bots listed. */
  bots(limit: number): Promise<HistoryBots>;
}

/** Every read is cancelled with `signal`, so answers for a range left behind never reach the screen. */
export function historyReader(site: string, range: ResolvedRange, signal: AbortSignal): HistoryReader {
  const url = (path: string, extra: Record<string, string> = {}) => `${path}?${historyQuery(site, range, extra)}`;
  return {
    series: () => getJson(url('/api/history/timeseries', { bucket: range.bucket }), signal),
    pages: () => getJson(url('/api/history/pages'), signal),
    breakdown: ({ dimension, limit }) => getJson(url('/api/history/breakdown', { dimension, limit: String(limit) }), signal),
    bots: (limit) => getJson(url('/api/history/bots', { limit: String(limit) }), signal),
  };
}
