/**
 * The History view's range controls: preset buttons, the custom from/to form,
 * the bucket selector and the reload button, and the summary line of the
 * range shown. The root's `data-from`, `data-to` and `data-bucket` say which
 * range the figures below are for.
 */
import { byId, press } from './dom.ts';
import {
  bucketAllowed,
  bucketNames,
  formatMoment,
  fromLocalInput,
  isBucket,
  isPreset,
  presets,
  toLocalInput,
  type RangeChoice,
  type ResolvedRange,
} from './history-model.ts';

export interface RangeControlsHooks {
  /** The choice in force, which a control changes one part of. */
  current(): RangeChoice;
  choose(choice: RangeChoice): void;
  reload(): void;
  /** The custom range entered cannot be read. */
  invalid(message: string): void;
}

export interface RangeControls {
  render(choice: RangeChoice, range: ResolvedRange): void;
}

export function rangeControls(root: HTMLElement, hooks: RangeControlsHooks): RangeControls {
  const ui = {
    presets: root.querySelector<HTMLElement>('[data-presets]') ?? root,
    form: byId<HTMLFormElement>('history-range'),
    from: byId<HTMLInputElement>('history-from'),
    to: byId<HTMLInputElement>('history-to'),
    bucket: byId<HTMLSelectElement>('history-bucket'),
    reload: byId<HTMLButtonElement>('history-reload'),
    summary: byId('history-summary'),
    bucketHint: root.querySelector<HTMLElement>('[data-bucket-hint]'),
  };

  const choose = (choice: RangeChoice) => {
    delete ui.form.dataset['editing'];
    hooks.choose(choice);
  };

  ui.presets.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-preset]');
    const preset = button?.dataset['preset'];
    if (!isPreset(preset)) return;
    choose({ kind: 'preset', preset, bucket: hooks.current().bucket });
  });

  ui.form.addEventListener('input', () => (ui.form.dataset['editing'] = 'true'));

  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    const from = fromLocalInput(ui.from.value);
    const to = fromLocalInput(ui.to.value);
    if (!Number.isFinite(from) || !Number.isFinite(to)) return hooks.invalid('Enter both a start and an end.');
    if (!(from < to)) return hooks.invalid('The start must be before the end.');
    choose({ kind: 'custom', from, to, bucket: hooks.current().bucket });
  });

  ui.bucket.addEventListener('change', () => {
    const value = ui.bucket.value;
    choose({ ...hooks.current(), bucket: isBucket(value) ? value : 'auto' });
  });

  ui.reload.addEventListener('click', () => hooks.reload());

  const renderBucketOptions = (choice: RangeChoice, range: ResolvedRange) => {
    for (const option of ui.bucket.options) {
      if (option.value === 'auto') option.textContent = `Auto (${range.autoBucket})`;
      else option.disabled = !isBucket(option.value) || !bucketAllowed(range.from, range.to, option.value);
    }
    ui.bucket.value = choice.bucket === 'auto' || choice.bucket !== range.bucket ? 'auto' : choice.bucket;
  };

  return {
    render(choice, range) {
      press(ui.presets, 'data-preset', choice.kind === 'preset' ? choice.preset : null);
      ui.form.dataset['custom'] = String(choice.kind === 'custom');
      // Inputs being edited are left alone (a preset re-read every minute would overwrite them).
      if (ui.form.dataset['editing'] !== 'true') {
        ui.from.value = toLocalInput(range.from);
        ui.to.value = toLocalInput(range.to);
      }
      renderBucketOptions(choice, range);
      const span = choice.kind === 'preset' ? presets[choice.preset].summary : 'custom range';
      ui.summary.textContent = `${formatMoment(range.from)} – ${formatMoment(range.to)} · ${span} · ${bucketNames[range.bucket].adjective}`;
      root.dataset['from'] = String(range.from);
      root.dataset['to'] = String(range.to);
      root.dataset['bucket'] = range.bucket;
      if (ui.bucketHint !== null) ui.bucketHint.textContent = bucketNames[range.bucket].adjective;
    },
  };
}
