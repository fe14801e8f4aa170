/**
 * The cursor heat map's arithmetic, kept apart from the canvas so it can be
 * tested in Node: a sparse cell list becomes a dense grid of intensities,
 * intensities become colours, and cursor positions become points in the
 * unit square the grid covers (x / viewport width, y / viewport height).
 */
import type { HeatCell, PagePosition } from './api-types.ts';

export interface HeatGrid {
  size: number;
  /** Row-major counts, `values[cy * size + cx]`. */
  values: Float64Array;
  max: number;
  total: number;
  /** Cells with a count above zero. */
  cells: number;
}

/** Dense grid from the API's sparse cells; cells outside the grid are ignored. */
export function toHeatGrid(cells: readonly HeatCell[], size: number): HeatGrid {
  const values = new Float64Array(size * size);
  let max = 0;
  let total = 0;
  let used = 0;
  for (const { cx, cy, count } of cells) {
    if (!Number.isInteger(cx) || !Number.isInteger(cy) || cx < 0 || cy < 0 || cx >= size || cy >= size || !(count > 0)) continue;
    const index = cy * size + cx;
    if (values[index] === 0) used += 1;
    values[index] = (values[index] ?? 0) + count;
    max = Math.max(max, values[index] ?? 0);
    total += count;
  }
  return { size, values, max, total, cells: used };
}

/**
 * 0…1 on a logarithmic scale, so a few hot cells (where a cursor rested)
 * do not wash out the paths users actually moved along.
 */
export function heatIntensity(count: number, max: number): number {
  if (!(count > 0) || !(max > 0)) return 0;
  return Math.min(1, Math.log1p(count) / Math.log1p(max));
}

export type Rgba = [number, number, number, number];

/** Transparent → indigo → cyan → yellow → red, with alpha rising at the cool end. */
const stops: { at: number; color: Rgba }[] = [
  { at: 0, color: [67, 56, 202, 0] },
  { at: 0.15, color: [79, 70, 229, 0.45] },
  { at: 0.4, color: [6, 182, 212, 0.7] },
  { at: 0.7, color: [250, 204, 21, 0.85] },
  { at: 1, color: [239, 68, 68, 0.95] },
];

export function heatColor(intensity: number): Rgba {
  const t = Math.min(1, Math.max(0, Number.isFinite(intensity) ? intensity : 0));
  for (let i = 1; i < stops.length; i++) {
    const hi = stops[i];
    const lo = stops[i - 1];
    if (hi === undefined || lo === undefined || t > hi.at) continue;
    const f = (t - lo.at) / (hi.at - lo.at);
    const mix = (k: number) => (lo.color[k] ?? 0) + ((hi.color[k] ?? 0) - (lo.color[k] ?? 0)) * f;
    return [Math.round(mix(0)), Math.round(mix(1)), Math.round(mix(2)), Number(mix(3).toFixed(3))];
  }
  return stops[stops.length - 1]?.color ?? [0, 0, 0, 0];
}

export const rgba = ([r, g, b, a]: Rgba): string => `rgba(${r}, ${g}, ${b}, ${a})`;

/** A cursor in the unit square, or null when its viewport size is unknown. */
export function unitPosition(position: Pick<PagePosition, 'x' | 'y' | 'viewport_w' | 'viewport_h'>): { u: number; v: number } | null {
  const { x, y, viewport_w: w, viewport_h: h } = position;
  if (w === null || h === null || !(w > 0) || !(h > 0) || !Number.isFinite(x) || !Number.isFinite(y)) return null;
  const clamp = (value: number) => Math.min(1, Math.max(0, value));
  return { u: clamp(x / w), v: clamp(y / h) };
}

/**
 * The page the heat map picks by itself: the most viewed page with cursor
 * data (page views and cursor positions need not come from the same pages),
 * else the most viewed page. `candidates` are in rank order.
 */
export function pickHeatPage(candidates: readonly { path: string; cells: number }[]): string | null {
  return (candidates.find((candidate) => candidate.cells > 0) ?? candidates[0])?.path ?? null;
}
