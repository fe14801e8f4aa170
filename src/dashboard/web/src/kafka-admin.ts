/**
 * The admin step of the Kafka view's writes (offset reset, test message): a
 * modal dialog that says what will happen and only then lets the write go.
 * Signed in as an admin, the session is enough; the admin token field
 * (`PULSE_ADMIN_TOKEN` or an admin's API token; filled in from this tab's
 * sessionStorage when it was typed before) is optional then, and sent
 * instead of the session when filled. The server decides: a missing or wrong
 * token is sent as it is and its refusal shown, so the page never pretends
 * to enforce what only the server can.
 */
import { adminToken, setAdminToken } from './kafka-api.ts';
import { h } from './kafka-dom.ts';
import { me } from './session.ts';

export interface AdminConfirmation {
  title: string;
  /** What will happen, one sentence a line. */
  lines: string[];
  confirmLabel: string;
}

let opened = 0;

/** Resolves to the token to send ('' for none) once confirmed, or null when cancelled. */
export function confirmAdmin(request: AdminConfirmation): Promise<string | null> {
  opened += 1;
  const principal = me();
  const sessionAdmin = principal?.via === 'session' && principal.role === 'admin';
  const titleId = `kafka-dialog-title-${opened}`;
  const token = h('input', {
    type: 'password',
    name: 'token',
    class: 'kfield-input',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'PULSE_ADMIN_TOKEN',
    'data-admin-token': true,
  });
  token.value = adminToken();
  const confirm = h('button', { type: 'submit', value: 'confirm', class: 'btn btn--danger', 'data-confirm': true }, request.confirmLabel);
  const cancel = h('button', { type: 'button', class: 'btn btn--ghost', 'data-cancel': true }, 'Cancel');
  const form = h(
    'form',
    { method: 'dialog', class: 'kdialog-form' },
    h('h2', { id: titleId }, request.title),
    h('ul', { class: 'kdialog-lines' }, ...request.lines.map((line) => h('li', {}, line))),
    h('label', { class: 'kfield' }, h('span', {}, sessionAdmin ? 'Admin token (optional)' : 'Admin token'), token),
    h(
      'p',
      { class: 'kdialog-note' },
      sessionAdmin
        ? `Only an admin may do this: you are signed in as ${principal?.user?.username ?? 'an admin'}, which is enough. A token typed here is sent instead of your session and kept for this tab only (sessionStorage).`
        : 'Only an admin may do this. The token is kept for this tab only (sessionStorage); without it the server refuses.',
    ),
    h('div', { class: 'kdialog-actions' }, cancel, confirm),
  );
  const dialog = h('dialog', { class: 'kdialog', 'aria-labelledby': titleId, 'data-kafka-dialog': true }, form);
  document.body.append(dialog);

  return new Promise((resolve) => {
    let answer: string | null = null;
    cancel.addEventListener('click', () => dialog.close());
    form.addEventListener('submit', () => {
      answer = token.value.trim();
      setAdminToken(answer);
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(answer);
    });
    dialog.showModal();
    (token.value === '' && !sessionAdmin ? token : confirm).focus();
  });
}
