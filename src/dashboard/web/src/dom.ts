/** DOM helpers shared by the dashboard's views. */

/** An element index.html must have: a missing one is a build mistake, reported at start-up rather than as a blank panel. */
export const byId = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`#${id} is missing from index.html`);
  return element as T;
};

export const el = <K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text?: string): HTMLElementTagNameMap[K] => {
  const element = document.createElement(tag);
  if (className !== '') element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
};

/** Marks one button of a segmented group as pressed. */
export function press(group: HTMLElement, attribute: string, value: string | null): void {
  for (const button of group.querySelectorAll<HTMLButtonElement>(`button[${attribute}]`)) {
    button.setAttribute('aria-pressed', String(button.getAttribute(attribute) === value));
  }
}

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
