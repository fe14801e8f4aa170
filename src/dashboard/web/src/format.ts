/**
 * Formatting and thresholds for the dashboard: plain functions without the
 * DOM, so unit tests run them in Node.
 */

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

/** 1234 → "1,234"; from 100 000 on, "123.5K". */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return Math.abs(value) >= 100_000 ? compact.format(value) : integer.format(value);
}

/** Events per second: one decimal below 10, whole numbers above. */
export function formatRate(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (value === 0) return '0';
  if (value < 10) return value.toFixed(1);
  return formatCount(value);
}

/** 0.4321 → "43.2%". */
export function formatPercent(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–';
  return `${(ratio * 100).toFixed(ratio >= 0.995 || ratio === 0 ? 0 : 1)}%`;
}

/** Seconds → "42s", "3m 05s", "1h 02m". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
}

/** Milliseconds ago → "now", "12s ago", "5m ago", "3h ago", "2d ago". */
export function formatAgo(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const s = Math.floor(Math.max(0, ms) / 1000);
  if (s < 2) return 'now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

/** A data age for the header: "0.4 s", "12 s", "4 min", "2 h". */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const value = Math.max(0, ms);
  if (value < 10_000) return `${(value / 1000).toFixed(1)} s`;
  if (value < 60_000) return `${Math.round(value / 1000)} s`;
  if (value < 3_600_000) return `${Math.round(value / 60_000)} min`;
  return `${Math.round(value / 3_600_000)} h`;
}

/** Below this age the figures are "live". */
export const FRESH_MS = 5_000;
/** From this age on, with work still queued, "real time" is clearly behind. */
export const LATE_MS = 30_000;

/**
 * How current the figures are:
 * - `none`: nothing aggregated yet;
 * - `fresh`: the newest aggregated event is under 5 s old;
 * - `idle`: older, but the consumer group has no lag — the site is just quiet;
 * - `behind`: older with events still queued (or lag unknown), under 30 s;
 * - `late`: 30 s or more behind.
 */
export type DataAgeLevel = 'none' | 'fresh' | 'idle' | 'behind' | 'late';

export function dataAgeLevel(ageMs: number | null, totalLag: number | null): DataAgeLevel {
  if (ageMs === null) return 'none';
  if (ageMs < FRESH_MS) return 'fresh';
  if (totalLag === 0) return 'idle';
  return ageMs < LATE_MS ? 'behind' : 'late';
}

/** Total lag over every watched group, or null when the lag could not be read. */
export function totalLag(pipeline: { groups: { totalLag: number }[]; error: string | null }): number | null {
  if (pipeline.error !== null) return null;
  return pipeline.groups.reduce((sum, group) => sum + group.totalLag, 0);
}

/** The path shown for a page: long ones keep their start and end. */
export function shortPath(path: string, max = 42): string {
  if (path.length <= max) return path;
  const keep = max - 1;
  const head = Math.ceil(keep * 0.6);
  return `${path.slice(0, head)}…${path.slice(path.length - (keep - head))}`;
}

/** The event types the tracker sends, with the label the feed shows. */
export const eventTypeLabels: Record<string, string> = {
  page_view: 'view',
  click: 'click',
  form_submit: 'form',
  mouse_move: 'move',
  custom: 'custom',
};

export function eventTypeLabel(type: string): string {
  return eventTypeLabels[type] ?? type;
}
