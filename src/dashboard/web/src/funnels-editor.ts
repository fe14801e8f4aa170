/**
 * The Funnels view's step list: 2 to 8 rows, each a kind (page or event), its path or name, and an
 * optional property filter (key = value). Rows are added and removed here; the view reads the
 * steps as text when it asks.
 */
import { button, selectOf } from './analytics-dom.ts';
import { el } from './dom.ts';
import { MAX_STEPS, MIN_STEPS, stepText, type StepDraft } from './funnels-model.ts';

export interface StepsEditor {
  element: HTMLElement;
  /** The steps as text; null entries are steps not filled in yet. */
  texts(): (string | null)[];
  set(drafts: readonly StepDraft[]): void;
}

function input(className: string, placeholder: string, value: string, label: string): HTMLInputElement {
  const field = el('input', className);
  field.type = 'text';
  field.placeholder = placeholder;
  field.value = value;
  field.setAttribute('aria-label', label);
  return field;
}

function stepRow(draft: StepDraft, index: number, onRemove: (row: HTMLElement) => void): HTMLElement {
  const row = el('li', 'funnel-step');
  const kind = selectOf(
    `funnel-step-kind-${index}`,
    [
      ['page', 'Page'],
      ['event', 'Event'],
    ],
    draft.kind,
  );
  kind.dataset['part'] = 'kind';
  kind.setAttribute('aria-label', `Step ${index + 1} kind`);
  const target = input(
    'funnel-step-target',
    draft.kind === 'page' ? '/path (use * as wildcard)' : 'event name',
    draft.target,
    `Step ${index + 1} path or event`,
  );
  target.dataset['part'] = 'target';
  kind.addEventListener('change', () => {
    target.placeholder = kind.value === 'page' ? '/path (use * as wildcard)' : 'event name';
  });
  const key = input('funnel-step-key', 'property', draft.key, `Step ${index + 1} property key`);
  key.dataset['part'] = 'key';
  const value = input('funnel-step-value', 'value', draft.value, `Step ${index + 1} property value`);
  value.dataset['part'] = 'value';
  const remove = button('✕', 'btn btn--icon funnel-step-remove');
  remove.setAttribute('aria-label', `Remove step ${index + 1}`);
  remove.addEventListener('click', () => onRemove(row));
  row.append(el('span', 'funnel-step-number', String(index + 1)), kind, target, key, el('span', 'funnel-step-eq', '='), value, remove);
  return row;
}

function readRow(row: HTMLElement): StepDraft {
  const part = (name: string) => row.querySelector<HTMLInputElement | HTMLSelectElement>(`[data-part="${name}"]`)?.value ?? '';
  return {
    kind: part('kind') === 'event' ? 'event' : 'page',
    target: part('target').trim(),
    key: part('key').trim(),
    value: part('value'),
  };
}

export function stepsEditor(): StepsEditor {
  const element = el('div', 'funnel-editor');
  const list = el('ol', 'funnel-steps');
  list.id = 'funnel-steps';
  const add = button('+ Add step');
  add.id = 'funnel-add-step';
  element.append(list, add);
  let drafts: StepDraft[] = [];

  const current = (): StepDraft[] => Array.from(list.children, (row) => readRow(row as HTMLElement));

  function render(): void {
    list.replaceChildren(
      ...drafts.map((draft, index) =>
        stepRow(draft, index, (row) => {
          const at = Array.from(list.children).indexOf(row);
          drafts = current().filter((_, i) => i !== at);
          render();
        }),
      ),
    );
    add.disabled = drafts.length >= MAX_STEPS;
    for (const remove of list.querySelectorAll<HTMLButtonElement>('.funnel-step-remove')) remove.disabled = drafts.length <= MIN_STEPS;
  }

  add.addEventListener('click', () => {
    drafts = [...current(), { kind: 'event', target: '', key: '', value: '' }];
    render();
    list.querySelector<HTMLInputElement>('li:last-child [data-part="target"]')?.focus();
  });

  return {
    element,
    texts: () => current().map(stepText),
    set(next) {
      drafts = [...next];
      render();
    },
  };
}
