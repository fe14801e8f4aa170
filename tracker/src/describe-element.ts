/** Elements whose click is what the visitor meant (a click on an icon inside a button is the button's). */
const interactive = 'a,button,input,select,textarea,label,summary,[role="button"],[role="link"],[data-pulse]';

const escape = (value: string): string =>
  typeof CSS !== 'undefined' && typeof CSS.escape === 'function' ? CSS.escape(value) : value.replace(/[^\w-]/g, (c) => `\\${c}`);

export function clickTarget(target: EventTarget | null): Element | null {
  if (!(target instanceof Element)) return null;
  if (target.closest('[data-pulse-ignore]') !== null) return null;
  return target.closest(interactive) ?? target;
}

/** A short CSS selector: up to four steps, stopping at the nearest element with an id. */
export function selectorOf(element: Element): string {
  const steps: string[] = [];
  for (let node: Element | null = element; node !== null && steps.length < 4; node = node.parentElement) {
    const tag = node.tagName.toLowerCase();
    const id = node.getAttribute('id');
    if (id !== null && id !== '') {
      steps.unshift(`${tag}#${escape(id)}`);
      break;
    }
    if (tag === 'body' || tag === 'html') {
      if (steps.length === 0) steps.unshift(tag);
      break;
    }
    let step = tag;
    const classes = Array.from(node.classList).slice(0, 2);
    for (const name of classes) step += `.${escape(name)}`;
    const parent = node.parentElement;
    if (parent !== null) {
      const alike = Array.from(parent.children).filter((child) => child.tagName === node?.tagName);
      if (alike.length > 1) step += `:nth-of-type(${alike.indexOf(node) + 1})`;
    }
    steps.unshift(step);
  }
  return steps.join(' > ').slice(0, 512);
}

/** Short visible text; never what a visitor typed (only button-like inputs show their label). */
export function textOf(element: Element): string {
  if (element instanceof HTMLInputElement) {
    return ['button', 'submit', 'reset'].includes(element.type) ? element.value.trim().slice(0, 80) : '';
  }
  if (element instanceof HTMLTextAreaElement || element instanceof HTMLSelectElement) return '';
  if (element.closest('[contenteditable]:not([contenteditable="false"])') !== null) return '';
  const label = element.getAttribute('aria-label');
  const text = label ?? element.textContent ?? '';
  return text.replace(/\s+/g, ' ').trim().slice(0, 80);
}
