/**
 * The sign-in form, and the form that creates the first admin from the
 * one-time setup link (`/dashboard/?setup=<token>`, printed by Pulse on its
 * first start). Both are in index.html; this shows one of them in place of
 * the views, explains each refusal (wrong password, a locked account and how
 * long it stays locked, too many attempts from this address), and hands the
 * signed-in principal to main.ts.
 */
import { byId, errorText } from './dom.ts';
import { ApiError, completeSetup, formatWait, login, setupNeeded, type Me } from './session.ts';

export interface AuthGateHooks {
  /** Signed in (or the first admin was created): the dashboard starts. */
  signedIn(principal: Me): void;
}

export interface AuthGate {
  /** Shows the setup form when `setupToken` is given and no user exists yet; the sign-in form otherwise. */
  show(options: { setupToken: string | null; notice: string | null }): void;
  hide(): void;
  /** Removes `?setup=` from the address (the link is spent or of no use). */
  dropSetupToken(): void;
}

/** What a refused sign-in says to the person typing. */
export function loginRefusal(error: unknown): string {
  if (!(error instanceof ApiError)) return `Pulse did not answer: ${errorText(error)}`;
  const wait = error.retryAfter === undefined ? null : formatWait(error.retryAfter);
  switch (error.code) {
    case 'invalid_credentials':
      return 'Wrong username or password.';
    case 'account_locked':
      return `This account is locked after too many wrong passwords. Try again ${wait === null ? 'later' : `in ${wait}`}.`;
    case 'too_many_attempts':
      return `Too many failed sign-ins from this address. Try again ${wait === null ? 'later' : `in ${wait}`}.`;
    case 'cross_origin':
      return 'Refused: this page is not on Pulse’s own address.';
    default:
      return error.message;
  }
}

function setupRefusal(error: unknown): string {
  if (!(error instanceof ApiError)) return `Pulse did not answer: ${errorText(error)}`;
  if (error.code === 'invalid_setup_token') return 'This setup link is not valid (it works once, until the first admin exists).';
  if (error.status === 409) return 'An admin exists already: sign in instead.';
  return error.message;
}

export function authGate(hooks: AuthGateHooks): AuthGate {
  const ui = {
    view: byId('auth-view'),
    notice: byId('auth-notice'),
    login: byId<HTMLFormElement>('login-form'),
    loginUsername: byId<HTMLInputElement>('login-username'),
    loginPassword: byId<HTMLInputElement>('login-password'),
    loginError: byId('login-error'),
    loginSubmit: byId<HTMLButtonElement>('login-submit'),
    loginHint: byId('login-hint'),
    setup: byId<HTMLFormElement>('setup-form'),
    setupUsername: byId<HTMLInputElement>('setup-username'),
    setupPassword: byId<HTMLInputElement>('setup-password'),
    setupPassword2: byId<HTMLInputElement>('setup-password2'),
    setupError: byId('setup-error'),
    setupSubmit: byId<HTMLButtonElement>('setup-submit'),
  };
  let setupToken: string | null = null;
  /** Bumped on every show(), so a late answer of setupNeeded() for an earlier form is dropped. */
  let shown = 0;

  const say = (node: HTMLElement, text: string | null, code?: string) => {
    node.hidden = text === null;
    node.textContent = text ?? '';
    if (code === undefined) delete node.dataset['error'];
    else node.dataset['error'] = code;
  };

  function dropSetupToken(): void {
    setupToken = null;
    const url = new URL(window.location.href);
    if (!url.searchParams.has('setup')) return;
    url.searchParams.delete('setup');
    window.history.replaceState(null, '', url);
  }

  function showForm(which: 'login' | 'setup'): void {
    document.body.dataset['auth'] = which === 'login' ? 'out' : 'setup';
    document.title = which === 'login' ? 'Pulse · sign in' : 'Pulse · first admin';
    ui.view.hidden = false;
    ui.login.hidden = which !== 'login';
    ui.setup.hidden = which !== 'setup';
    ui.view.setAttribute('aria-label', which === 'login' ? 'Sign in' : 'Create the first admin');
    (which === 'login' ? (ui.loginUsername.value === '' ? ui.loginUsername : ui.loginPassword) : ui.setupUsername).focus();
  }

  function showLogin(notice: string | null): void {
    say(ui.notice, notice);
    say(ui.loginError, null);
    ui.loginHint.hidden = true;
    showForm('login');
    const asked = shown;
    // With no user at all, the form says where the first one comes from.
    setupNeeded()
      .then((needed) => {
        if (asked === shown) ui.loginHint.hidden = !needed;
      })
      .catch(() => undefined);
  }

  ui.login.addEventListener('submit', (event) => {
    event.preventDefault();
    const username = ui.loginUsername.value.trim();
    const password = ui.loginPassword.value;
    if (username === '' || password === '') {
      say(ui.loginError, 'Type your username and password.', 'missing');
      return;
    }
    ui.loginSubmit.disabled = true;
    ui.login.setAttribute('aria-busy', 'true');
    say(ui.loginError, null);
    login(username, password)
      .then((principal) => {
        ui.loginPassword.value = '';
        say(ui.notice, null);
        hooks.signedIn(principal);
      })
      .catch((error: unknown) => {
        say(ui.loginError, loginRefusal(error), error instanceof ApiError ? error.code : 'network');
        ui.loginPassword.value = '';
        ui.loginPassword.focus();
      })
      .finally(() => {
        ui.loginSubmit.disabled = false;
        ui.login.removeAttribute('aria-busy');
      });
  });

  ui.setup.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = setupToken;
    const username = ui.setupUsername.value.trim();
    const password = ui.setupPassword.value;
    if (token === null) return;
    if (username === '') return say(ui.setupError, 'Choose a username.', 'missing');
    if (password.length < 10) return say(ui.setupError, 'The password needs at least 10 characters.', 'weak_password');
    if (password !== ui.setupPassword2.value) return say(ui.setupError, 'The two passwords differ.', 'mismatch');
    ui.setupSubmit.disabled = true;
    ui.setup.setAttribute('aria-busy', 'true');
    say(ui.setupError, null);
    completeSetup(token, username, password)
      .then((principal) => {
        ui.setupPassword.value = '';
        ui.setupPassword2.value = '';
        dropSetupToken();
        say(ui.notice, null);
        hooks.signedIn(principal);
      })
      .catch((error: unknown) => {
        const spent = error instanceof ApiError && (error.code === 'invalid_setup_token' || error.status === 409);
        if (spent) {
          dropSetupToken();
          ui.loginUsername.value = username;
          showLogin(setupRefusal(error));
          return;
        }
        say(ui.setupError, setupRefusal(error), error instanceof ApiError ? error.code : 'network');
      })
      .finally(() => {
        ui.setupSubmit.disabled = false;
        ui.setup.removeAttribute('aria-busy');
      });
  });

  return {
    show({ setupToken: token, notice }) {
      shown += 1;
      document.body.dataset['auth'] = 'checking';
      if (token === null) return showLogin(notice);
      const asked = shown;
      setupNeeded()
        .catch(() => false)
        .then((needed) => {
          if (asked !== shown) return;
          if (!needed) {
            dropSetupToken();
            showLogin(notice ?? 'This setup link was used already: an admin exists. Sign in.');
            return;
          }
          setupToken = token;
          say(ui.notice, notice);
          say(ui.setupError, null);
          showForm('setup');
        })
        .catch(() => undefined);
    },
    hide() {
      shown += 1;
      ui.view.hidden = true;
    },
    dropSetupToken,
  };
}
