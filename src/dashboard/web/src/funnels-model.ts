/**
 * The Funnels view's model, without the DOM: a step as the editor holds it and its text form
 * (the encoding of GET /api/history/funnel: `page:/path`, `event:name`, `…|key=value`, `\` escaping
 * `|`, `=` and `\`), the window choices, and the rows the chart and table show.
 */
import type { FunnelStepFigures } from './analytics-types.ts';

export interface StepDraft {
  kind: 'page' | 'event';
  /** A page path (with * wildcards) or an event name. */
  target: string;
  /** Optional property filter; both empty: none. */
  key: string;
  value: string;
}

export const MIN_STEPS = 2;
export const MAX_STEPS = 8;

const escapeText = (text: string): string => text.replace(/[\\|=]/g, (char) => `\\${char}`);

/** The step's text, or null when it is not complete enough to ask (no target; a value without a key). */
export function stepText(draft: StepDraft): string | null {
  const target = draft.target;
  if (target === '') return null;
  const head = `${draft.kind}:${escapeText(draft.kind === 'page' && !target.startsWith('/') && !target.startsWith('*') ? `/${target}` : target)}`;
  if (draft.key === '') return draft.value === '' ? head : null;
  return `${head}|${escapeText(draft.key)}=${escapeText(draft.value)}`;
}

/** Splits at the first unescaped separator, then drops the escapes of the first part. */
function cut(text: string, separator: string): [string, string | undefined] {
  let head = '';
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] ?? '';
    if (char === '\\') {
      head += text[i + 1] ?? '';
      i += 1;
    } else if (char === separator) return [head, text.slice(i + 1)];
    else head += char;
  }
  return [head, undefined];
}

const unescapeAll = (text: string): string => cut(text, '\u0000')[0];

/** A step's text back into the editor's draft (a saved funnel being loaded). */
export function draftOf(text: string): StepDraft {
  const colon = text.indexOf(':');
  const kind = text.slice(0, colon) === 'page' ? 'page' : 'event';
  const [target, filter] = cut(text.slice(colon + 1), '|');
  if (filter === undefined) return { kind, target, key: '', value: '' };
  const [key, value] = cut(filter, '=');
  return { kind, target, key, value: unescapeAll(value ?? '') };
}

export const windowChoices = [
  [3600, '1 hour'],
  [86_400, '24 hours'],
  [7 * 86_400, '7 days'],
  [30 * 86_400, '30 days'],
  [90 * 86_400, '90 days'],
] as const;

/** A window in words: one of the choices, else seconds. */
export const windowText = (seconds: number): string => windowChoices.find(([value]) => value === seconds)?.[1] ?? `${seconds} s`;

/** A step's text as people read it: "Page /pricing", "Event signup (plan = pro)". */
export function stepLabel(text: string): string {
  const draft = draftOf(text);
  const filter = draft.key === '' ? '' : ` (${draft.key} = ${draft.value})`;
  return `${draft.kind === 'page' ? 'Page' : 'Event'} ${draft.target}${filter}`;
}

export interface FunnelRow extends FunnelStepFigures {
  index: number;
  label: string;
  /** Dropped on the way from the previous step (0 for the first). */
  droppedBefore: number;
}

export function funnelRows(steps: readonly FunnelStepFigures[]): FunnelRow[] {
  return steps.map((step, index) => ({
    ...step,
    index,
    label: `${index + 1}. ${stepLabel(step.step)}`,
    droppedBefore: index === 0 ? 0 : Math.max(0, (steps[index - 1]?.entered ?? 0) - step.entered),
  }));
}
