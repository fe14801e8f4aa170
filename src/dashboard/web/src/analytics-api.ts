/**
 * Reads of the analytics API (funnels, retention, custom events) and the site's saved funnels.
 * Every read takes a signal, so an answer for a question left behind never reaches the screen.
 */
import type {
  EventsAnswer,
  FunnelAnswer,
  NewFunnel,
  PropertyKeysAnswer,
  PropertyValuesAnswer,
  RetentionAnswer,
  SavedFunnel,
} from './analytics-types.ts';
import { apiError, apiFetch, apiJson } from './session.ts';

export interface AnalyticsRange {
  from: number;
  to: number;
}

/** The query string of one question: site, range, then its own parameters (repeated keys for arrays). */
export function analyticsQuery(site: string, range: AnalyticsRange, extra: Record<string, string | readonly string[]> = {}): string {
  const params = new URLSearchParams({ site, from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() });
  for (const [key, value] of Object.entries(extra)) {
    for (const one of typeof value === 'string' ? [value] : value) params.append(key, one);
  }
  return params.toString();
}

async function read<T>(path: string, signal: AbortSignal): Promise<T> {
  const response = await apiFetch(path, { signal });
  if (!response.ok) throw await apiError(response, `GET ${path.split('?')[0] ?? path}`);
  return (await response.json()) as T;
}

export interface FunnelQuestion {
  steps: readonly string[];
  order: string;
  window: number;
  count: string;
}

export const readFunnel = (site: string, range: AnalyticsRange, question: FunnelQuestion, signal: AbortSignal): Promise<FunnelAnswer> =>
  read(
    `/api/history/funnel?${analyticsQuery(site, range, {
      step: question.steps,
      order: question.order,
      window: String(question.window),
      count: question.count,
    })}`,
    signal,
  );

export const readRetention = (
  site: string,
  range: AnalyticsRange,
  period: string,
  returning: string | null,
  signal: AbortSignal,
): Promise<RetentionAnswer> =>
  read(`/api/history/retention?${analyticsQuery(site, range, { period, ...(returning === null ? {} : { returning }) })}`, signal);

/** The trend is hourly over a day at most, daily beyond (hourly lines over a week are mostly zeros). */
export const readEvents = (site: string, range: AnalyticsRange, signal: AbortSignal): Promise<EventsAnswer> =>
  read(
    `/api/history/events?${analyticsQuery(site, range, { limit: '20', trend: '5', bucket: range.to - range.from <= 86_400_000 ? 'hour' : 'day' })}`,
    signal,
  );

export const readPropertyKeys = (site: string, range: AnalyticsRange, name: string, signal: AbortSignal): Promise<PropertyKeysAnswer> =>
  read(`/api/history/events/${encodeURIComponent(name)}/properties?${analyticsQuery(site, range)}`, signal);

export const readPropertyValues = (
  site: string,
  range: AnalyticsRange,
  name: string,
  key: string,
  signal: AbortSignal,
): Promise<PropertyValuesAnswer> =>
  read(
    `/api/history/events/${encodeURIComponent(name)}/properties/${encodeURIComponent(key)}?${analyticsQuery(site, range, { limit: '10' })}`,
    signal,
  );

export const listSavedFunnels = async (site: string): Promise<SavedFunnel[]> =>
  (await apiJson<{ funnels: SavedFunnel[] }>('GET', `/api/funnels?site=${encodeURIComponent(site)}`)).funnels;

export const saveFunnel = (site: string, funnel: NewFunnel): Promise<SavedFunnel> =>
  apiJson<SavedFunnel>('POST', `/api/funnels?site=${encodeURIComponent(site)}`, funnel);

export const deleteSavedFunnel = (site: string, id: string): Promise<void> =>
  apiJson<undefined>('DELETE', `/api/funnels/${encodeURIComponent(id)}?site=${encodeURIComponent(site)}`);
