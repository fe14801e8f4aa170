/**
 * The cursor heat map of one page: the 50 × 50 grid from /api/stats/heatmap
 * painted into a tiny bitmap and scaled up smoothly, plus a dot for each
 * visitor's last cursor position from /api/stats/positions.
 */
import type { HeatmapResponse, PagePosition } from './api-types.ts';
import { heatColor, heatIntensity, toHeatGrid, unitPosition, type HeatGrid } from './heat.ts';

export interface HeatmapView {
  draw(heat: HeatmapResponse, positions: readonly PagePosition[], now: number): HeatGrid;
  clear(): void;
}

let colourTable: Uint8ClampedArray | undefined;

/** The colour scale sampled at 256 levels, RGBA. */
function palette256(): Uint8ClampedArray {
  if (colourTable !== undefined) return colourTable;
  colourTable = new Uint8ClampedArray(256 * 4);
  for (let level = 0; level < 256; level++) {
    const [r, g, b, a] = heatColor(level / 255);
    colourTable.set([r, g, b, Math.round(a * 255)], level * 4);
  }
  return colourTable;
}

/** Cursors fade out over the 5 minutes a visitor counts as active. */
const CURSOR_FADE_MS = 5 * 60_000;

export function heatmapView(canvas: HTMLCanvasElement, legend: HTMLElement): HeatmapView {
  const context = canvas.getContext('2d');
  const shade = document.createElement('canvas');
  const shadeContext = shade.getContext('2d', { willReadFrequently: true });
  let last: { heat: HeatmapResponse; positions: readonly PagePosition[]; now: number } | undefined;

  /** Matches the backing store to the element's size and the screen's pixel ratio. */
  const fit = (): { width: number; height: number } => {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(canvas.clientWidth));
    const height = Math.max(1, Math.round(canvas.clientHeight));
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    context?.setTransform(ratio, 0, 0, ratio, 0, 0);
    return { width, height };
  };

  /** A schematic page: a frame with a header bar and faint guides every tenth of the viewport. */
  const drawPage = (c: CanvasRenderingContext2D, width: number, height: number) => {
    c.clearRect(0, 0, width, height);
    c.fillStyle = '#0d1424';
    c.fillRect(0, 0, width, height);
    c.strokeStyle = 'rgba(148, 163, 184, 0.07)';
    c.lineWidth = 1;
    c.beginPath();
    for (let i = 1; i < 10; i++) {
      const x = Math.round((width * i) / 10) + 0.5;
      const y = Math.round((height * i) / 10) + 0.5;
      c.moveTo(x, 0);
      c.lineTo(x, height);
      c.moveTo(0, y);
      c.lineTo(width, y);
    }
    c.stroke();
    c.fillStyle = 'rgba(148, 163, 184, 0.06)';
    c.fillRect(0, 0, width, Math.max(14, height * 0.06));
  };

  /**
   * Classic heat map rendering: each cell adds a soft radial blob to an alpha
   * buffer (so neighbouring cells merge into smooth areas), then every pixel's
   * accumulated alpha is mapped to a colour of the scale.
   */
  const drawHeat = (c: CanvasRenderingContext2D, grid: HeatGrid, width: number, height: number) => {
    if (shadeContext === null || grid.max === 0) return;
    const ratio = window.devicePixelRatio || 1;
    shade.width = Math.round(width * ratio);
    shade.height = Math.round(height * ratio);
    shadeContext.setTransform(ratio, 0, 0, ratio, 0, 0);
    shadeContext.clearRect(0, 0, width, height);
    const cellW = width / grid.size;
    const cellH = height / grid.size;
    const radius = Math.max(cellW, cellH) * 2.6;
    for (let i = 0; i < grid.values.length; i++) {
      const count = grid.values[i] ?? 0;
      if (count === 0) continue;
      const x = ((i % grid.size) + 0.5) * cellW;
      const y = (Math.floor(i / grid.size) + 0.5) * cellH;
      const alpha = 0.1 + 0.5 * heatIntensity(count, grid.max);
      const blob = shadeContext.createRadialGradient(x, y, 0, x, y, radius);
      blob.addColorStop(0, `rgba(0, 0, 0, ${alpha})`);
      blob.addColorStop(1, 'rgba(0, 0, 0, 0)');
      shadeContext.fillStyle = blob;
      shadeContext.fillRect(x - radius, y - radius, radius * 2, radius * 2);
    }
    const image = shadeContext.getImageData(0, 0, shade.width, shade.height);
    const pixels = image.data;
    const colours = palette256();
    for (let p = 3; p < pixels.length; p += 4) {
      const level = pixels[p] ?? 0;
      if (level === 0) continue;
      const offset = level * 4;
      pixels[p - 3] = colours[offset] ?? 0;
      pixels[p - 2] = colours[offset + 1] ?? 0;
      pixels[p - 1] = colours[offset + 2] ?? 0;
      pixels[p] = colours[offset + 3] ?? 0;
    }
    shadeContext.putImageData(image, 0, 0);
    c.drawImage(shade, 0, 0, width, height);
  };

  const drawCursors = (
    c: CanvasRenderingContext2D,
    positions: readonly PagePosition[],
    now: number,
    width: number,
    height: number,
  ): number => {
    let drawn = 0;
    for (const position of positions) {
      const unit = unitPosition(position);
      if (unit === null) continue;
      const x = unit.u * width;
      const y = unit.v * height;
      const fade = Math.max(0.25, 1 - Math.max(0, now - position.ts) / CURSOR_FADE_MS);
      c.save();
      c.globalAlpha = fade;
      c.shadowColor = 'rgba(34, 211, 238, 0.9)';
      c.shadowBlur = 10;
      c.fillStyle = '#22d3ee';
      c.beginPath();
      c.arc(x, y, 5, 0, Math.PI * 2);
      c.fill();
      c.shadowBlur = 0;
      c.strokeStyle = '#f8fafc';
      c.lineWidth = 1.5;
      c.stroke();
      c.restore();
      drawn += 1;
    }
    return drawn;
  };

  const render = (heat: HeatmapResponse, positions: readonly PagePosition[], now: number): HeatGrid => {
    const grid = toHeatGrid(heat.cells, heat.grid);
    if (context === null) return grid;
    const { width, height } = fit();
    drawPage(context, width, height);
    drawHeat(context, grid, width, height);
    const cursors = drawCursors(context, positions, now, width, height);
    canvas.dataset['cells'] = String(grid.cells);
    canvas.dataset['cursors'] = String(cursors);
    canvas.setAttribute(
      'aria-label',
      `Cursor heat map: ${grid.total} positions over ${grid.cells} of ${grid.size * grid.size} cells; ${cursors} cursors in the last 5 minutes`,
    );
    const max = legend.querySelector('[data-legend-max]');
    if (max !== null) max.textContent = grid.max > 0 ? String(grid.max) : '–';
    return grid;
  };

  new ResizeObserver(() => {
    if (last !== undefined) render(last.heat, last.positions, last.now);
  }).observe(canvas);

  return {
    draw(heat, positions, now) {
      last = { heat, positions, now };
      return render(heat, positions, now);
    },
    clear() {
      last = undefined;
      render({ grid: 50, cells: [] }, [], 0);
    },
  };
}
