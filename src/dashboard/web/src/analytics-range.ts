/** The time ranges the Funnels and Events views offer: presets ending now, read again on every question. */
import { selectOf } from './analytics-dom.ts';

const HOUR = 3_600_000;
export const rangePresets = [
  ['24h', 'Last 24 hours', 24 * HOUR],
  ['7d', 'Last 7 days', 7 * 24 * HOUR],
  ['30d', 'Last 30 days', 30 * 24 * HOUR],
  ['90d', 'Last 90 days', 90 * 24 * HOUR],
] as const;
export type RangePreset = (typeof rangePresets)[number][0];

export function rangeOf(preset: string, now: number): { from: number; to: number } {
  const span = rangePresets.find(([key]) => key === preset)?.[2] ?? 7 * 24 * HOUR;
  return { from: now - span, to: now };
}

export const rangeSelect = (id: string, selected: RangePreset = '7d'): HTMLSelectElement =>
  selectOf(
    id,
    rangePresets.map(([key, text]) => [key, text] as const),
    selected,
  );
