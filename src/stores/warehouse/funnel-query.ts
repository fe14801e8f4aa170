import {
  funnelCounts,
  funnelOrders,
  type FunnelCount,
  type FunnelOrder,
  type FunnelQuery,
  type FunnelResult,
  type FunnelStep,
  type FunnelStepResult,
} from './product-analytics.ts';

/**
 * What every funnel adapter shares (PostgreSQL, PGlite and ClickHouse): the query's validation, the
 * `*` wildcard as a LIKE pattern, and the result assembled from per-step figures. The adapters only
 * compute, per step, how many visitors (or sessions) reached it and the median time from the
 * previous step; every ratio is derived here, once, so no engine rounds differently.
 */

export const FUNNEL_MIN_STEPS = 2;
export const FUNNEL_MAX_STEPS = 8;
export const FUNNEL_DEFAULT_WINDOW_MS = 24 * 3_600_000;
/** The longest conversion window: 90 days (a longer one reads like a retention question). */
export const FUNNEL_MAX_WINDOW_MS = 90 * 24 * 3_600_000;
/** Limits of the step texts (a custom event's name and a property key are at most 128 long in the contract). */
const MAX_PATH = 2048;
const MAX_NAME = 128;
const MAX_VALUE = 1024;

/** A funnel query checked and normalised: whole-ms range bounds, the window filled in. */
export interface CheckedFunnel {
  range: { from: number; to: number; site: string };
  steps: readonly FunnelStep[];
  order: FunnelOrder;
  windowMs: number;
  countBy: FunnelCount;
  /** from >= to: nothing can be read, every step is 0. */
  empty: boolean;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const controlCharacter = /[\u0000-\u001f\u007f]/;

function checkText(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max)
    throw new RangeError(`${what} must be a string of 1 to ${max} characters`);
  return value;
}

function checkStep(step: unknown, index: number): FunnelStep {
  const what = `steps[${index}]`;
  if (!isRecord(step)) throw new RangeError(`${what} must be an object`);
  const property = step['property'];
  let filter: FunnelStep['property'];
  if (property !== undefined) {
    if (!isRecord(property)) throw new RangeError(`${what}.property must be an object with key and value`);
    const key = checkText(property['key'], `${what}.property.key`, MAX_NAME);
    // The ClickHouse adapter finds the key in the props' JSON text as written (18.16 has no JSON
    // parser): a key JSON would escape cannot be found there, so it is refused everywhere.
    if (key.includes('"') || key.includes('\\') || controlCharacter.test(key))
      throw new RangeError(`${what}.property.key must not hold quotes, backslashes or control characters`);
    const value = property['value'];
    if (typeof value !== 'string' || value.length > MAX_VALUE)
      throw new RangeError(`${what}.property.value must be a string of at most ${MAX_VALUE} characters`);
    filter = { key, value };
  }
  if (step['kind'] === 'page') return { kind: 'page', path: checkText(step['path'], `${what}.path`, MAX_PATH), property: filter };
  if (step['kind'] === 'event') return { kind: 'event', name: checkText(step['name'], `${what}.name`, MAX_NAME), property: filter };
  throw new RangeError(`${what}.kind must be 'page' or 'event'`);
}

/** Checks a funnel query (RangeError naming the field at fault); whole-ms bounds keep every engine on the same rows. */
export function checkFunnelQuery(query: FunnelQuery): CheckedFunnel {
  if (!isRecord(query)) throw new RangeError('a funnel query must be an object');
  const range = query.range as unknown;
  if (!isRecord(range)) throw new RangeError('range must be an object with from, to and site');
  const from = range['from'];
  const to = range['to'];
  if (typeof from !== 'number' || typeof to !== 'number' || !Number.isFinite(from) || !Number.isFinite(to))
    throw new RangeError('time range bounds must be finite epoch milliseconds');
  const site = checkText(range['site'], 'range.site', 256);
  const steps = query.steps as unknown;
  if (!Array.isArray(steps) || steps.length < FUNNEL_MIN_STEPS || steps.length > FUNNEL_MAX_STEPS)
    throw new RangeError(`a funnel has ${FUNNEL_MIN_STEPS} to ${FUNNEL_MAX_STEPS} steps`);
  if (!(funnelOrders as readonly unknown[]).includes(query.order)) throw new RangeError(`order must be one of ${funnelOrders.join(', ')}`);
  if (!(funnelCounts as readonly unknown[]).includes(query.countBy))
    throw new RangeError(`countBy must be one of ${funnelCounts.join(', ')}`);
  const windowMs = (query.windowMs as number | undefined) ?? FUNNEL_DEFAULT_WINDOW_MS;
  if (!Number.isSafeInteger(windowMs) || windowMs < 1 || windowMs > FUNNEL_MAX_WINDOW_MS)
    throw new RangeError(`windowMs must be a whole number of milliseconds from 1 to ${FUNNEL_MAX_WINDOW_MS}`);
  const wholeFrom = Math.ceil(from);
  const wholeTo = Math.ceil(to);
  return {
    range: { from: wholeFrom, to: wholeTo, site },
    steps: steps.map(checkStep),
    order: query.order,
    windowMs,
    countBy: query.countBy,
    empty: !(wholeFrom < wholeTo),
  };
}

/** Whether a page step's path holds a wildcard (otherwise it is compared for equality). */
export const hasWildcard = (path: string): boolean => path.includes('*');

/**
 * A page path with `*` wildcards as a LIKE pattern with backslash as the escape character, read
 * the same by PostgreSQL (escape '\') and ClickHouse (18.16 and current): `%`, `_` and `\` are
 * escaped, every `*` becomes `%`.
 */
export function likePattern(path: string): string {
  return path.replace(/[\\%_]/g, (ch) => `\\${ch}`).replaceAll('*', '%');
}

/** What an adapter computes per step: visitors (or sessions) that reached it, and the median ms from the previous step. */
export interface StepFigures {
  entered: number;
  /** Null for the first step and for a step nobody reached. */
  medianMs: number | null;
}

const ratio = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

/** The port's result from per-step figures (ratios and drops derived here, identically for every engine). */
export function funnelResultOf(figures: readonly StepFigures[]): FunnelResult {
  const first = figures[0]?.entered ?? 0;
  const steps: FunnelStepResult[] = figures.map((step, i) => {
    const previous = i === 0 ? step.entered : (figures[i - 1]?.entered ?? 0);
    const converted = i === figures.length - 1 ? step.entered : (figures[i + 1]?.entered ?? 0);
    return {
      entered: step.entered,
      converted,
      dropped: step.entered - converted,
      conversionFromPrevious: i === 0 ? 1 : ratio(step.entered, previous),
      conversionFromFirst: i === 0 ? 1 : ratio(step.entered, first),
      medianSecondsFromPrevious: i === 0 || step.entered === 0 || step.medianMs === null ? null : step.medianMs / 1000,
    };
  });
  return { steps };
}

/** Every step at 0 (an empty range). */
export const emptyFunnel = (steps: number): FunnelResult =>
  funnelResultOf(Array.from({ length: steps }, () => ({ entered: 0, medianMs: null })));
