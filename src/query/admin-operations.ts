import { stringify } from 'csv-stringify/sync';
import type { EnrichedEvent } from '../contract/event-schema.ts';
import type { RealtimeStore } from '../stores/realtime/realtime-store.ts';
import type { TimeRange, Warehouse } from '../stores/warehouse/warehouse.ts';

/**
 * Operations on stored data, the same for the admin API and `pulse db`: row counts, an export,
 * and erasing one visitor everywhere (GDPR). Each takes the stores; who opened them does not matter.
 */
export interface StoredData {
  realtime?: RealtimeStore | undefined;
  warehouses: readonly Warehouse[];
}

export type ExportFormat = 'ndjson' | 'csv';
export const exportFormats: readonly ExportFormat[] = ['ndjson', 'csv'];

/** Columns of a CSV export; `props` is kept as JSON text. */
export const exportColumns = [
  'event_id',
  'received_at',
  'ts',
  'type',
  'site',
  'user_id',
  'session_id',
  'url',
  'host',
  'path',
  'title',
  'referrer',
  'referrer_host',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'browser',
  'browser_version',
  'os',
  'device',
  'is_bot',
  'ip',
  'duration',
  'name',
  'selector',
  'text',
  'form_id',
  'form_name',
  'x',
  'y',
  'props',
] as const;

function csvRows(events: readonly EnrichedEvent[]): string {
  return stringify(
    events.map((event) => {
      const fields = event as unknown as Record<string, unknown>;
      return exportColumns.map((column) => {
        const value = fields[column];
        if (value === undefined || value === null) return '';
        return typeof value === 'object' ? JSON.stringify(value) : String(value);
      });
    }),
  );
}

/** Row counts per table of every warehouse, by warehouse kind. */
export async function countRows(data: StoredData): Promise<Record<string, Record<string, number>>> {
  return Object.fromEntries(await Promise.all(data.warehouses.map(async (w) => [w.kind, await w.counts()] as const)));
}

/** Stored events of a range as text chunks, oldest first: a CSV header first, or one JSON object a line. */
export async function* exportText(warehouse: Warehouse, range: TimeRange, format: ExportFormat): AsyncGenerator<string> {
  if (format === 'csv') yield stringify([exportColumns as unknown as string[]]);
  for await (const page of warehouse.exportEvents(range)) {
    yield format === 'csv' ? csvRows(page) : page.map((event) => `${JSON.stringify(event)}\n`).join('');
  }
}

/** Erases one visitor from every store; what each removed, by store. */
export async function forgetVisitor(data: StoredData, site: string, userId: string): Promise<Record<string, number>> {
  const removed: Record<string, number> = {};
  if (data.realtime !== undefined) removed['realtime'] = await data.realtime.forgetUser(site, userId);
  for (const warehouse of data.warehouses) removed[warehouse.kind] = await warehouse.forgetUser(site, userId);
  return removed;
}
