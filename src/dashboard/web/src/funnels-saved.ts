/**
 * The site's saved funnels in the Funnels view: pick one to load it, delete it, or save the funnel
 * on screen under a name. Share links cannot use saved funnels (the API refuses them): the row is
 * hidden for them.
 */
import { deleteSavedFunnel, listSavedFunnels, saveFunnel } from './analytics-api.ts';
import { button, labelled } from './analytics-dom.ts';
import type { NewFunnel, SavedFunnel } from './analytics-types.ts';
import { el, errorText } from './dom.ts';
import { isShare } from './session.ts';

export interface SavedFunnelsHooks {
  /** The funnel on screen, or a reason it cannot be saved yet. */
  current(): NewFunnel | string;
  load(funnel: SavedFunnel): void;
}

export interface SavedFunnelsBar {
  element: HTMLElement;
  /** Reads the site's list again (the site changed). */
  refresh(site: string): Promise<void>;
}

export function savedFunnelsBar(hooks: SavedFunnelsHooks): SavedFunnelsBar {
  const element = el('div', 'funnel-saved');
  element.hidden = isShare();
  const picker = el('select');
  picker.id = 'funnel-saved-list';
  const load = button('Load');
  load.id = 'funnel-load';
  const remove = button('Delete', 'btn btn--danger');
  remove.id = 'funnel-delete';
  const name = el('input');
  name.type = 'text';
  name.id = 'funnel-name';
  name.placeholder = 'Name this funnel';
  name.maxLength = 100;
  const save = button('Save funnel', 'btn btn--primary');
  save.id = 'funnel-save';
  const note = el('span', 'funnel-saved-note');
  note.id = 'funnel-saved-note';
  note.setAttribute('role', 'status');
  element.append(labelled('Saved funnels', picker), load, remove, labelled('Name', name), save, note);

  let site = '';
  let funnels: SavedFunnel[] = [];

  function render(selected?: string): void {
    picker.replaceChildren(
      ...(funnels.length === 0 ? [Object.assign(el('option', '', 'none saved yet'), { value: '' })] : []),
      ...funnels.map((funnel) => Object.assign(el('option', '', funnel.name), { value: funnel.id })),
    );
    if (selected !== undefined) picker.value = selected;
    picker.disabled = load.disabled = remove.disabled = funnels.length === 0;
  }

  const chosen = () => funnels.find((funnel) => funnel.id === picker.value);

  async function refresh(next: string, selected?: string): Promise<void> {
    site = next;
    if (isShare()) return;
    try {
      funnels = await listSavedFunnels(site);
      render(selected);
    } catch (error) {
      note.textContent = `Saved funnels did not load: ${errorText(error)}`;
    }
  }

  load.addEventListener('click', () => {
    const funnel = chosen();
    if (funnel === undefined) return;
    name.value = funnel.name;
    note.textContent = `Loaded “${funnel.name}”.`;
    hooks.load(funnel);
  });

  remove.addEventListener('click', () => {
    const funnel = chosen();
    if (funnel === undefined) return;
    deleteSavedFunnel(site, funnel.id)
      .then(() => {
        note.textContent = `Deleted “${funnel.name}”.`;
        return refresh(site);
      })
      .catch((error: unknown) => {
        note.textContent = `Not deleted: ${errorText(error)}`;
      });
  });

  save.addEventListener('click', () => {
    const funnel = hooks.current();
    if (typeof funnel === 'string') {
      note.textContent = funnel;
      return;
    }
    if (name.value.trim() === '') {
      note.textContent = 'Give the funnel a name first.';
      name.focus();
      return;
    }
    saveFunnel(site, { ...funnel, name: name.value.trim() })
      .then((saved) => {
        note.textContent = `Saved “${saved.name}”.`;
        return refresh(site, saved.id);
      })
      .catch((error: unknown) => {
        note.textContent = `Not saved: ${errorText(error)}`;
      });
  });

  render();
  return { element, refresh: (next) => refresh(next) };
}
