/**
 * A small typed model of the Grafana dashboard JSON (schemaVersion 39, Grafana 10.4 / 11) and the
 * builders the Pulse dashboards are written with. Definitions say what a panel shows (title, unit,
 * queries, thresholds, width); `dashboard()` numbers the panels, gives every query its refId and
 * the `${datasource}` variable, and lays the panels out row by row on Grafana's 24-column grid.
 */

import { DATASOURCE_NAME, DATASOURCE_UID } from './provisioning.ts';

export const SCHEMA_VERSION = 39;

/** Every panel and query reads through this dashboard variable, so one JSON serves any Prometheus. */
export const DATASOURCE_VARIABLE = 'datasource';
export const datasourceRef = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` } as const;
export type DatasourceRef = typeof datasourceRef;

/** Grafana unit ids used here (https://github.com/grafana/grafana/blob/main/packages/grafana-data/src/valueFormats/categories.ts). */
export type Unit = 'none' | 'short' | 'percentunit' | 'bytes' | 'binBps' | 'reqps' | 'ops' | 's' | 'ms' | 'dtdurations';

export type Color = 'green' | 'yellow' | 'orange' | 'red' | 'blue' | 'text' | 'transparent';

/** `[from, color]` pairs, lowest first; the first `from` is `null` (the base colour). */
export type Steps = readonly (readonly [number | null, Color])[];

export interface Threshold {
  color: Color;
  value: number | null;
}

export interface Target {
  datasource: DatasourceRef;
  editorMode: 'code';
  expr: string;
  legendFormat: string;
  range: boolean;
  instant: boolean;
  refId: string;
}

export interface GridPos {
  h: number;
  w: number;
  x: number;
  y: number;
}

export interface ValueMapping {
  type: 'value';
  options: Record<string, { text: string; color?: Color; index: number }>;
}

export interface FieldConfig {
  defaults: {
    unit: Unit;
    decimals?: number;
    min?: number;
    max?: number;
    color: { mode: 'thresholds' | 'palette-classic' };
    thresholds: { mode: 'absolute'; steps: Threshold[] };
    mappings: ValueMapping[];
    custom?: Record<string, unknown>;
  };
  overrides: unknown[];
}

export interface RowPanel {
  type: 'row';
  id: number;
  title: string;
  collapsed: false;
  gridPos: GridPos;
  panels: [];
}

export interface QueryPanel {
  type: 'stat' | 'timeseries';
  id: number;
  title: string;
  description: string;
  datasource: DatasourceRef;
  gridPos: GridPos;
  fieldConfig: FieldConfig;
  options: Record<string, unknown>;
  targets: Target[];
}

export type Panel = RowPanel | QueryPanel;

export interface VariableOption {
  selected: boolean;
  text: string;
  value: string;
}

export interface DatasourceVariable {
  type: 'datasource';
  name: string;
  label: string;
  query: 'prometheus';
  /** The provisioned data source (by uid); Grafana falls back to the default Prometheus when it is missing. */
  current: { selected: false; text: string; value: string };
  hide: 0;
  includeAll: false;
  multi: false;
  options: [];
  refresh: 1;
  regex: string;
  skipUrlSync: false;
}

export interface QueryVariable {
  type: 'query';
  name: string;
  label: string;
  description: string;
  datasource: DatasourceRef;
  /** `label_values(metric{selector}, label)`, as Grafana's Prometheus variable editor writes it. */
  definition: string;
  query: { query: string; refId: string };
  current: Record<string, never>;
  hide: 0;
  includeAll: boolean;
  /** The regex "All" stands for; absent: Grafana joins every value found, `(a|b|c)`. */
  allValue?: string;
  multi: boolean;
  options: [];
  refresh: 2;
  regex: string;
  skipUrlSync: false;
  sort: 1;
}

export type Variable = DatasourceVariable | QueryVariable;

export interface Dashboard {
  annotations: { list: unknown[] };
  description: string;
  editable: true;
  fiscalYearStartMonth: 0;
  graphTooltip: 1;
  id: null;
  links: unknown[];
  panels: Panel[];
  refresh: string;
  schemaVersion: number;
  tags: string[];
  templating: { list: Variable[] };
  time: { from: string; to: string };
  timepicker: Record<string, never>;
  timezone: '';
  title: string;
  uid: string;
  version: 1;
  weekStart: '';
}

// --- authoring -------------------------------------------------------------------------------

export interface Query {
  expr: string;
  /** Grafana legend template, e.g. `{{instance}}`; empty: the series' labels. */
  legend?: string;
}

interface PanelCommon {
  title: string;
  /** Shown in the panel's (i) tooltip: what it means and what to do when it looks wrong. */
  description: string;
  unit: Unit;
  queries: readonly Query[];
  thresholds?: Steps;
  /** Grid columns (of 24) and rows (of 30 px). */
  w?: number;
  h?: number;
  decimals?: number;
  min?: number;
  max?: number;
}

export interface StatSpec extends PanelCommon {
  kind: 'stat';
  /** Value to text (and colour), e.g. the broker state numbers. */
  mappings?: Readonly<Record<number, { text: string; color?: Color }>>;
  /** `background` for health figures that must catch the eye, `value` otherwise. */
  colorMode?: 'background' | 'value';
  /** A sparkline under the number. */
  graph?: boolean;
}

export interface TimeseriesSpec extends PanelCommon {
  kind: 'timeseries';
  /** Stack the series (parts of one whole, e.g. requests by status). */
  stack?: boolean;
  /** Draw the thresholds as dashed lines. */
  showThresholds?: boolean;
  /** Legend as a table with mean/max/last (default) or a plain list for few series. */
  legend?: 'table' | 'list';
}

export type PanelSpec = StatSpec | TimeseriesSpec;

export interface RowSpec {
  title: string;
  panels: readonly PanelSpec[];
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: readonly string[];
  variables: readonly QueryVariable[];
  rows: readonly RowSpec[];
  refresh?: string;
  from?: string;
}

export const stat = (spec: Omit<StatSpec, 'kind'>): StatSpec => ({ kind: 'stat', ...spec });
export const timeseries = (spec: Omit<TimeseriesSpec, 'kind'>): TimeseriesSpec => ({ kind: 'timeseries', ...spec });
export const row = (title: string, panels: readonly PanelSpec[]): RowSpec => ({ title, panels });

/** Green below `from`, then each step's colour: `alarmAbove(1)` is green at 0 and red from 1. */
export const alarmAbove = (red: number, yellow?: number): Steps =>
  yellow === undefined
    ? [
        [null, 'green'],
        [red, 'red'],
      ]
    : [
        [null, 'green'],
        [yellow, 'yellow'],
        [red, 'red'],
      ];

/** Red below `green` (e.g. idle capacity, brokers online). */
export const alarmBelow = (green: number, yellow?: number): Steps =>
  yellow === undefined
    ? [
        [null, 'red'],
        [green, 'green'],
      ]
    : [
        [null, 'red'],
        [yellow, 'yellow'],
        [green, 'green'],
      ];

export interface VariableSpec {
  name: string;
  label: string;
  description: string;
  /** `label_values(...)` query. */
  query: string;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
}

export const datasourceVariable = (): DatasourceVariable => ({
  type: 'datasource',
  name: DATASOURCE_VARIABLE,
  label: 'Data source',
  query: 'prometheus',
  current: { selected: false, text: DATASOURCE_NAME, value: DATASOURCE_UID },
  hide: 0,
  includeAll: false,
  multi: false,
  options: [],
  refresh: 1,
  regex: '',
  skipUrlSync: false,
});

export const queryVariable = (spec: VariableSpec): QueryVariable => ({
  type: 'query',
  name: spec.name,
  label: spec.label,
  description: spec.description,
  datasource: datasourceRef,
  definition: spec.query,
  query: { query: spec.query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
  current: {},
  hide: 0,
  includeAll: spec.includeAll ?? false,
  ...(spec.allValue === undefined ? {} : { allValue: spec.allValue }),
  multi: spec.multi ?? false,
  options: [],
  refresh: 2, // on time range change: new instances and topics appear without a reload
  regex: '',
  skipUrlSync: false,
  sort: 1,
});

// --- assembly --------------------------------------------------------------------------------

const GRID_COLUMNS = 24;

const thresholdSteps = (steps: Steps | undefined): Threshold[] => (steps ?? [[null, 'green']]).map(([value, color]) => ({ color, value }));

function fieldConfig(spec: PanelSpec): FieldConfig {
  const mappings: ValueMapping[] =
    spec.kind === 'stat' && spec.mappings !== undefined
      ? [
          {
            type: 'value',
            options: Object.fromEntries(
              Object.entries(spec.mappings).map(([value, mapping], index) => [
                value,
                { text: mapping.text, ...(mapping.color === undefined ? {} : { color: mapping.color }), index },
              ]),
            ),
          },
        ]
      : [];
  const custom =
    spec.kind === 'timeseries'
      ? {
          drawStyle: 'line',
          lineInterpolation: 'linear',
          lineWidth: 1,
          fillOpacity: spec.stack === true ? 30 : 10,
          gradientMode: 'none',
          showPoints: 'never',
          spanNulls: false,
          axisPlacement: 'auto',
          axisLabel: '',
          stacking: { mode: spec.stack === true ? 'normal' : 'none', group: 'A' },
          thresholdsStyle: { mode: spec.showThresholds === true ? 'dashed' : 'off' },
        }
      : undefined;
  return {
    defaults: {
      unit: spec.unit,
      ...(spec.decimals === undefined ? {} : { decimals: spec.decimals }),
      ...(spec.min === undefined ? {} : { min: spec.min }),
      ...(spec.max === undefined ? {} : { max: spec.max }),
      color: { mode: spec.kind === 'stat' ? 'thresholds' : 'palette-classic' },
      thresholds: { mode: 'absolute', steps: thresholdSteps(spec.thresholds) },
      mappings,
      ...(custom === undefined ? {} : { custom }),
    },
    overrides: [],
  };
}

function panelOptions(spec: PanelSpec): Record<string, unknown> {
  if (spec.kind === 'stat') {
    return {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      orientation: 'auto',
      textMode: 'auto',
      wideLayout: true,
      colorMode: spec.colorMode ?? 'value',
      graphMode: spec.graph === true ? 'area' : 'none',
      justifyMode: 'auto',
      showPercentChange: false,
    };
  }
  const table = (spec.legend ?? 'table') === 'table';
  return {
    legend: {
      showLegend: true,
      displayMode: table ? 'table' : 'list',
      placement: 'bottom',
      calcs: table ? ['mean', 'max', 'lastNotNull'] : [],
    },
    tooltip: { mode: 'multi', sort: 'desc' },
  };
}

const refId = (index: number): string => String.fromCharCode('A'.charCodeAt(0) + index);

function target(query: Query, index: number, instant: boolean): Target {
  return {
    datasource: datasourceRef,
    editorMode: 'code',
    expr: query.expr,
    legendFormat: query.legend ?? '__auto',
    range: !instant,
    instant,
    refId: refId(index),
  };
}

/** Numbers the panels, lays each row out left to right (wrapping at 24 columns) and builds the JSON. */
export function dashboard(spec: DashboardSpec): Dashboard {
  const panels: Panel[] = [];
  let id = 1;
  let y = 0;
  for (const rowSpec of spec.rows) {
    panels.push({ type: 'row', id: id++, title: rowSpec.title, collapsed: false, gridPos: { h: 1, w: GRID_COLUMNS, x: 0, y }, panels: [] });
    y += 1;
    let x = 0;
    let lineHeight = 0;
    for (const panel of rowSpec.panels) {
      const w = panel.w ?? (panel.kind === 'stat' ? 4 : 12);
      const h = panel.h ?? (panel.kind === 'stat' ? 4 : 8);
      if (x + w > GRID_COLUMNS) {
        y += lineHeight;
        x = 0;
        lineHeight = 0;
      }
      panels.push({
        type: panel.kind,
        id: id++,
        title: panel.title,
        description: panel.description,
        datasource: datasourceRef,
        gridPos: { h, w, x, y },
        fieldConfig: fieldConfig(panel),
        options: panelOptions(panel),
        // A stat shows the latest value: the range query also draws its sparkline when asked.
        targets: panel.queries.map((query, index) => target(query, index, false)),
      });
      x += w;
      lineHeight = Math.max(lineHeight, h);
    }
    y += lineHeight;
  }
  return {
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    description: spec.description,
    editable: true,
    fiscalYearStartMonth: 0,
    graphTooltip: 1, // shared crosshair: a spike in one panel lines up with the others
    id: null,
    links: [],
    panels,
    refresh: spec.refresh ?? '30s',
    schemaVersion: SCHEMA_VERSION,
    tags: [...spec.tags],
    templating: { list: [datasourceVariable(), ...spec.variables] },
    time: { from: spec.from ?? 'now-1h', to: 'now' },
    timepicker: {},
    timezone: '',
    title: spec.title,
    uid: spec.uid,
    version: 1,
    weekStart: '',
  };
}

/** Every query panel of a dashboard (rows excluded). */
export const queryPanels = (d: Dashboard): QueryPanel[] => d.panels.filter((p): p is QueryPanel => p.type !== 'row');
