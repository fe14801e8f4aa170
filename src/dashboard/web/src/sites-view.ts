/**
 * The Sites view (`#sites`, admins only): the site records (key, name,
 * allowed origins), adding and removing a site; per site its share links
 * (a new link's full address is shown once, with a copy button; existing
 * ones are listed by id and can be revoked); per site its shields (excluded
 * addresses and paths, one rule per line); and a compact list of users
 * with a form to add one (role, and for a viewer the sites granted).
 *
 * Everything is read when the view is shown and after each change; the
 * server decides every rule (PULSE_SITES keys cannot be removed, the last
 * admin stays) and its refusal is shown as it is. Removing something takes
 * two clicks on the same button.
 */
import type { IssuedShare, ShareRecord, SiteRecord, SitesResponse, UserRecord } from './api-types.ts';
import { errorText } from './dom.ts';
import { card, dataTable, emptyNote, h, replaceChildren } from './kafka-dom.ts';
import { ApiError, apiJson, me } from './session.ts';

export interface SitesView {
  show(): void;
  hide(): void;
}

export interface SitesViewHooks {
  /** A site was added or removed (the header's site picker reads the list again). */
  sitesChanged(): void;
}

type Level = 'ok' | 'error' | 'busy' | 'info';

/** How long a armed remove button waits for its second click. */
const ARM_MS = 4000;

const enc = encodeURIComponent;

const formatDate = (iso: string): string => {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
};

const refusal = (error: unknown): string =>
  error instanceof ApiError
    ? `Refused (${error.status}${error.code === 'http_error' ? '' : `, ${error.code}`}): ${error.message}`
    : errorText(error);

function status(className: string, attribute: string): HTMLElement & { say(text: string, level?: Level): void } {
  const node = h('p', { class: `form-status ${className}`, role: 'status', 'aria-live': 'polite', [attribute]: true });
  return Object.assign(node, {
    say(text: string, level: Level = 'info') {
      node.textContent = text;
      node.dataset['level'] = level;
    },
  });
}

/** A button that acts on its second click within ARM_MS (the first one turns it into "Confirm …?"). */
function twoStep(button: HTMLButtonElement, confirmText: string, action: () => Promise<void>): void {
  const label = button.textContent ?? '';
  let timer: number | undefined;
  const disarm = () => {
    window.clearTimeout(timer);
    delete button.dataset['armed'];
    button.textContent = label;
  };
  button.addEventListener('click', () => {
    if (button.dataset['armed'] !== 'true') {
      button.dataset['armed'] = 'true';
      button.textContent = confirmText;
      timer = window.setTimeout(disarm, ARM_MS);
      return;
    }
    disarm();
    button.disabled = true;
    void action().finally(() => {
      button.disabled = false;
    });
  });
}

const input = (name: string, props: Record<string, string | boolean> = {}) =>
  h('input', { class: 'input', name, autocomplete: 'off', spellcheck: 'false', ...props });

const field = (label: string, control: HTMLElement, wide = false) =>
  h('label', { class: wide ? 'field field--wide' : 'field' }, h('span', {}, label), control);

/** Origins typed as a list (commas, spaces or new lines between them). */
const parseOrigins = (text: string): string[] => [...new Set(text.split(/[\s,]+/).filter((part) => part !== ''))];

export function sitesView(root: HTMLElement, hooks: SitesViewHooks): SitesView {
  let sites: SiteRecord[] = [];
  let users: UserRecord[] = [];
  /** The site whose share links are shown. */
  let shareSite: string | null = null;
  let visible = false;
  /** Bumped on every reload, so an older answer never overwrites a newer one. */
  let generation = 0;

  // ---------------------------------------------------------------- bar
  const barStatus = h('span', { class: 'range-status', id: 'sites-status', role: 'status', 'aria-live': 'polite' });
  const summary = h('span', { class: 'range-summary', 'data-sites-summary': true }, '–');
  const reload = h('button', { type: 'button', class: 'btn', 'data-sites-reload': true }, 'Reload');
  const bar = h(
    'section',
    { class: 'card sites-bar', 'aria-label': 'Sites and users' },
    h('div', { class: 'sites-bar-row' }, h('h2', { class: 'shop-bar-title' }, 'Sites & access'), summary, barStatus, reload),
  );

  // ---------------------------------------------------------------- sites
  const sitesCard = card('Sites', 'card-sites', 'what Pulse collects for');
  const sitesTable = dataTable('sites-table', [
    { label: 'Key', width: '15%' },
    { label: 'Name', width: '17%' },
    { label: 'Allowed origins', width: '25%', title: 'Pages on these origins may send the site’s events; none: any page' },
    { label: 'Created', width: '17%' },
    { label: '', width: '26%' },
  ]);
  sitesTable.table.setAttribute('data-sites-table', '');
  const siteKey = input('key', { required: true, maxlength: '64', placeholder: 'e.g. shop', pattern: '[A-Za-z0-9_.\\-]{1,64}' });
  const siteName = input('name', { maxlength: '200', placeholder: 'Shop (optional)' });
  const siteOrigins = input('origins', { placeholder: 'https://shop.example, https://www.shop.example (optional)' });
  const siteStatus = status('site-add-status', 'data-site-add-status');
  const siteForm = h(
    'form',
    { class: 'inline-form', id: 'site-add', novalidate: true },
    h('h3', {}, 'Add a site'),
    field('Key', siteKey),
    field('Name', siteName),
    field('Allowed origins', siteOrigins, true),
    h('button', { type: 'submit', class: 'btn btn--primary', 'data-site-add': true }, 'Add site'),
    siteStatus,
  );
  sitesCard.section.append(sitesTable.scroll, siteForm);

  // ---------------------------------------------------------------- share links
  const sharesCard = card('Share links', 'card-shares', 'read-only, one site');
  const shareSelect = h('select', { id: 'share-site', 'aria-label': 'Site of the share links' });
  const shareCreate = h('button', { type: 'button', class: 'btn btn--primary', 'data-share-create': true }, 'Create share link');
  const shareUrl = h('input', { class: 'input', readonly: true, 'data-share-url': true, 'aria-label': 'New share link' });
  const shareCopy = h('button', { type: 'button', class: 'btn', 'data-share-copy': true }, 'Copy');
  const shareIssuedNote = h('span', { 'data-share-issued-note': true });
  const shareIssued = h(
    'div',
    { class: 'share-issued', 'data-share-issued': true, hidden: true },
    shareIssuedNote,
    h('div', { class: 'share-issued-row' }, shareUrl, shareCopy),
  );
  const sharesTable = dataTable('shares-table', [
    { label: 'Link', width: '46%' },
    { label: 'Created', width: '34%' },
    { label: '', width: '20%' },
  ]);
  sharesTable.table.setAttribute('data-shares-table', '');
  const sharesEmpty = emptyNote('No share link for this site.');
  const shareStatus = status('share-status', 'data-share-status');
  sharesCard.section.append(
    h(
      'p',
      { class: 'auth-lead' },
      'Anyone with a share link sees that site’s live and history figures, read-only, until the link is revoked.',
    ),
    h('div', { class: 'share-controls' }, shareSelect, shareCreate),
    shareIssued,
    sharesTable.scroll,
    sharesEmpty,
    shareStatus,
  );

  // ---------------------------------------------------------------- users
  const usersCard = card('Users', 'card-users', 'admins see every site; viewers the sites granted');
  const usersTable = dataTable('users-table', [
    { label: 'Username', width: '22%' },
    { label: 'Role', width: '12%' },
    { label: 'Sites', width: '32%' },
    { label: 'Created', width: '18%' },
    { label: '', width: '16%' },
  ]);
  usersTable.table.setAttribute('data-users-table', '');
  const userName = input('username', { required: true, maxlength: '64', placeholder: 'e.g. ada' });
  const userPassword = input('password', { type: 'password', required: true, minlength: '10', autocomplete: 'new-password' });
  const userRole = h(
    'select',
    { name: 'role', 'aria-label': 'Role' },
    h('option', { value: 'viewer' }, 'viewer'),
    h('option', { value: 'admin' }, 'admin'),
  );
  const userSites = h('div', { class: 'site-checks', role: 'group', 'aria-label': 'Sites granted', 'data-user-sites': true });
  const userStatus = status('user-add-status', 'data-user-add-status');
  const userForm = h(
    'form',
    { class: 'inline-form', id: 'user-add', novalidate: true },
    h('h3', {}, 'Add a user'),
    field('Username', userName),
    field('Password (10+ characters)', userPassword),
    field('Role', userRole),
    field('Sites (viewers)', userSites, true),
    h('button', { type: 'submit', class: 'btn btn--primary', 'data-user-add': true }, 'Add user'),
    userStatus,
  );
  usersCard.section.append(usersTable.scroll, userForm);

  // ---------------------------------------------------------------- shields
  const shieldsCard = card('Shields', 'card-shields', 'visits dropped at ingest, never stored');
  const shieldSelect = h('select', { id: 'shield-site', 'aria-label': 'Site of the shields', 'data-shield-site': true });
  const shieldIps = h('textarea', {
    class: 'input',
    rows: '3',
    'data-shield-ips': true,
    'aria-label': 'Excluded addresses',
    placeholder: '203.0.113.0/24',
  });
  const shieldPaths = h('textarea', {
    class: 'input',
    rows: '3',
    'data-shield-paths': true,
    'aria-label': 'Excluded paths',
    placeholder: '/admin/*',
  });
  const shieldSave = h('button', { type: 'button', class: 'btn btn--primary', 'data-shield-save': true }, 'Save shields');
  const shieldStatus = status('shield-status', 'data-shield-status');
  shieldsCard.section.append(
    h(
      'p',
      { class: 'auth-lead' },
      'One rule per line. Addresses or CIDR ranges (your office), and page paths where * matches anything: their visits are dropped at ingest and counted only as pulse_ingest_events_rejected_total{reason="shield_ip"|"shield_path"}.',
    ),
    h('div', { class: 'share-controls' }, shieldSelect),
    h('div', { class: 'inline-form' }, field('Excluded addresses', shieldIps, true), field('Excluded paths', shieldPaths, true)),
    h('div', { class: 'share-controls' }, shieldSave),
    shieldStatus,
  );

  root.replaceChildren(bar, sitesCard.section, sharesCard.section, shieldsCard.section, usersCard.section);

  // ---------------------------------------------------------------- rendering

  function renderSites(): void {
    sitesCard.hint.textContent = `${sites.length} ${sites.length === 1 ? 'site' : 'sites'}`;
    replaceChildren(
      sitesTable.body,
      ...sites.map((site) => {
        const shares = h('button', { type: 'button', class: 'btn', 'data-site-shares': site.key }, 'Share links');
        shares.addEventListener('click', () => void selectShareSite(site.key));
        const remove = h('button', { type: 'button', class: 'btn btn--danger', 'data-site-remove': site.key }, 'Remove');
        twoStep(remove, 'Confirm remove?', () => removeSite(site.key));
        return h(
          'tr',
          { 'data-site': site.key },
          h('td', { class: 'mono', title: site.key }, site.key),
          h('td', { title: site.name }, site.name),
          h(
            'td',
            { class: 'origin-list', title: site.origins.join('\n') },
            site.origins.length === 0 ? 'any page' : site.origins.join(', '),
          ),
          h('td', {}, formatDate(site.createdAt)),
          h('td', {}, h('div', { class: 'cell-actions' }, shares, remove)),
        );
      }),
    );
    if (sites.length === 0) sitesTable.body.append(h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No site yet.')));

    const shielded = shieldSelect.value;
    replaceChildren(shieldSelect, ...sites.map((site) => h('option', { value: site.key }, site.key)));
    shieldSelect.value = sites.some((site) => site.key === shielded) ? shielded : (sites[0]?.key ?? '');
    fillShields();
    if (shareSite === null || !sites.some((site) => site.key === shareSite)) shareSite = sites[0]?.key ?? null;
    replaceChildren(shareSelect, ...sites.map((site) => h('option', { value: site.key }, site.key)));
    shareSelect.value = shareSite ?? '';
    shareSelect.disabled = sites.length === 0;
    shareCreate.disabled = shareSite === null;

    const granted = new Set(
      [...userSites.querySelectorAll<HTMLInputElement>('input[name=site]')].filter((box) => box.checked).map((box) => box.value),
    );
    replaceChildren(
      userSites,
      ...sites.map((site) => {
        const box = h('input', { type: 'checkbox', name: 'site', value: site.key, checked: granted.has(site.key) });
        return h('label', {}, box, site.key);
      }),
    );
    syncRole();
  }

  function renderUsers(): void {
    const self = me()?.user?.username;
    usersCard.hint.textContent = `${users.length} ${users.length === 1 ? 'user' : 'users'} · admins see every site; viewers the sites granted`;
    replaceChildren(
      usersTable.body,
      ...users.map((user) => {
        const actions = h('div', { class: 'cell-actions' });
        if (user.username !== self) {
          const remove = h('button', { type: 'button', class: 'btn btn--danger', 'data-user-remove': user.username }, 'Remove');
          twoStep(remove, 'Confirm remove?', () => removeUser(user.username));
          actions.append(remove);
        }
        return h(
          'tr',
          { 'data-user': user.username, 'data-role': user.role },
          h(
            'td',
            { class: 'mono', title: user.username },
            user.username,
            user.username === self ? h('span', { class: 'you-badge' }, 'you') : null,
          ),
          h('td', {}, user.role),
          h('td', { class: 'mono', title: user.sites.join(', ') }, user.role === 'admin' ? 'all sites' : user.sites.join(', ') || 'none'),
          h('td', {}, formatDate(user.createdAt)),
          h('td', {}, actions),
        );
      }),
    );
  }

  function renderShares(site: string, shares: ShareRecord[]): void {
    if (site !== shareSite) return;
    sharesCard.hint.textContent = `${shares.length} for ${site}`;
    replaceChildren(
      sharesTable.body,
      ...shares.map((share) => {
        const revoke = h('button', { type: 'button', class: 'btn btn--danger', 'data-share-revoke': share.id }, 'Revoke');
        twoStep(revoke, 'Confirm revoke?', () => revokeShare(site, share.id));
        return h(
          'tr',
          { 'data-share-id': share.id },
          h('td', { class: 'mono', title: share.id }, `…${share.id.slice(-12)}`),
          h('td', {}, formatDate(share.createdAt)),
          h('td', {}, h('div', { class: 'cell-actions' }, revoke)),
        );
      }),
    );
    sharesTable.scroll.hidden = shares.length === 0;
    sharesEmpty.hidden = shares.length !== 0;
  }

  function syncRole(): void {
    const admin = userRole.value === 'admin';
    userSites.setAttribute('aria-disabled', String(admin));
    for (const box of userSites.querySelectorAll<HTMLInputElement>('input')) box.disabled = admin;
  }

  // ---------------------------------------------------------------- reads

  function setState(state: 'loading' | 'ready' | 'error', text = ''): void {
    root.dataset['state'] = state;
    barStatus.textContent = text;
  }

  async function loadShares(site: string): Promise<void> {
    try {
      const answer = await apiJson<{ shares: ShareRecord[] }>('GET', `/api/sites/${enc(site)}/shares`);
      renderShares(site, answer.shares);
    } catch (error) {
      if (site === shareSite) shareStatus.say(refusal(error), 'error');
    }
  }

  async function load(): Promise<void> {
    generation += 1;
    const asked = generation;
    setState('loading', 'Loading…');
    try {
      const [siteList, userList] = await Promise.all([
        apiJson<SitesResponse>('GET', '/api/sites'),
        apiJson<{ users: UserRecord[] }>('GET', '/api/users'),
      ]);
      if (asked !== generation) return;
      sites = [...siteList.records].sort((a, b) => a.key.localeCompare(b.key));
      users = [...userList.users].sort((a, b) => a.username.localeCompare(b.username));
      renderSites();
      renderUsers();
      summary.textContent = `${sites.length} ${sites.length === 1 ? 'site' : 'sites'} · ${users.length} ${users.length === 1 ? 'user' : 'users'}`;
      setState('ready', `Read at ${new Date().toLocaleTimeString()}`);
      if (shareSite !== null) await loadShares(shareSite);
      else renderShares('', []);
    } catch (error) {
      if (asked === generation) setState('error', refusal(error));
    }
  }

  async function selectShareSite(site: string): Promise<void> {
    shareSite = site;
    shareSelect.value = site;
    shareIssued.hidden = true;
    shareStatus.say('');
    sharesCard.section.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    await loadShares(site);
  }

  // ---------------------------------------------------------------- changes

  async function removeSite(key: string): Promise<void> {
    siteStatus.say(`Removing ${key}…`, 'busy');
    try {
      await apiJson('DELETE', `/api/sites/${enc(key)}`);
      siteStatus.say(`Site ${key} removed: its events are refused from now on.`, 'ok');
      hooks.sitesChanged();
      await load();
    } catch (error) {
      siteStatus.say(refusal(error), 'error');
    }
  }

  async function removeUser(username: string): Promise<void> {
    userStatus.say(`Removing ${username}…`, 'busy');
    try {
      await apiJson('DELETE', `/api/users/${enc(username)}`);
      userStatus.say(`User ${username} removed (with their sessions and API tokens).`, 'ok');
      await load();
    } catch (error) {
      userStatus.say(refusal(error), 'error');
    }
  }

  async function revokeShare(site: string, id: string): Promise<void> {
    shareStatus.say('Revoking…', 'busy');
    try {
      await apiJson('DELETE', `/api/sites/${enc(site)}/shares/${enc(id)}`);
      shareStatus.say('Share link revoked: it opens nothing from now on.', 'ok');
      shareIssued.hidden = true;
      await loadShares(site);
    } catch (error) {
      shareStatus.say(refusal(error), 'error');
    }
  }

  siteForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = siteKey.value.trim();
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(key)) return siteStatus.say('A site key is 1–64 letters, digits, _ . -', 'error');
    const name = siteName.value.trim();
    const origins = parseOrigins(siteOrigins.value);
    siteStatus.say(`Adding ${key}…`, 'busy');
    apiJson<SiteRecord>('POST', '/api/sites', { key, ...(name === '' ? {} : { name }), ...(origins.length === 0 ? {} : { origins }) })
      .then(async (site) => {
        siteKey.value = '';
        siteName.value = '';
        siteOrigins.value = '';
        siteStatus.say(`Site ${site.key} added: Pulse collects its events from now on.`, 'ok');
        hooks.sitesChanged();
        await load();
      })
      .catch((error: unknown) => siteStatus.say(refusal(error), 'error'));
  });

  shareSelect.addEventListener('change', () => void selectShareSite(shareSelect.value));

  shareCreate.addEventListener('click', () => {
    const site = shareSite;
    if (site === null) return;
    shareCreate.disabled = true;
    shareStatus.say('Creating…', 'busy');
    apiJson<IssuedShare>('POST', `/api/sites/${enc(site)}/shares`)
      .then(async (issued) => {
        shareUrl.value = new URL(issued.url, window.location.origin).href;
        shareIssuedNote.textContent = `New read-only link to ${issued.siteKey}. Copy it now: it is shown only this once.`;
        shareIssued.dataset['site'] = issued.siteKey;
        shareIssued.dataset['shareId'] = issued.id;
        shareIssued.hidden = false;
        shareCopy.textContent = 'Copy';
        shareStatus.say('');
        await loadShares(site);
        shareUrl.select();
      })
      .catch((error: unknown) => shareStatus.say(refusal(error), 'error'))
      .finally(() => {
        shareCreate.disabled = false;
      });
  });

  shareCopy.addEventListener('click', () => {
    const copied = () => (shareCopy.textContent = 'Copied');
    const byHand = () => {
      shareUrl.select();
      shareCopy.textContent = 'Press Ctrl+C';
    };
    if (navigator.clipboard === undefined) return byHand();
    navigator.clipboard.writeText(shareUrl.value).then(copied, byHand);
  });

  userRole.addEventListener('change', syncRole);

  userForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const username = userName.value.trim();
    const password = userPassword.value;
    const role = userRole.value === 'admin' ? 'admin' : 'viewer';
    const granted = [...userSites.querySelectorAll<HTMLInputElement>('input[name=site]')]
      .filter((box) => box.checked)
      .map((box) => box.value);
    if (username === '') return userStatus.say('Choose a username.', 'error');
    if (password.length < 10) return userStatus.say('The password needs at least 10 characters.', 'error');
    userStatus.say(`Adding ${username}…`, 'busy');
    apiJson<UserRecord>('POST', '/api/users', { username, password, role, ...(role === 'viewer' ? { sites: granted } : {}) })
      .then(async (user) => {
        userName.value = '';
        userPassword.value = '';
        for (const box of userSites.querySelectorAll<HTMLInputElement>('input')) box.checked = false;
        const scope = user.role === 'admin' ? 'every site' : user.sites.length === 0 ? 'no site yet' : user.sites.join(', ');
        userStatus.say(`User ${user.username} added (${user.role}, ${scope}).`, 'ok');
        await load();
      })
      .catch((error: unknown) => userStatus.say(refusal(error), 'error'));
  });

  function fillShields(): void {
    const site = sites.find((s) => s.key === shieldSelect.value);
    shieldIps.value = (site?.excludedIps ?? []).join('\n');
    shieldPaths.value = (site?.excludedPaths ?? []).join('\n');
    shieldSave.disabled = site === undefined;
  }
  const rules = (text: string): string[] =>
    text
      .split(/[\n,]/)
      .map((rule) => rule.trim())
      .filter((rule) => rule !== '');
  shieldSelect.addEventListener('change', () => {
    shieldStatus.say('');
    fillShields();
  });
  shieldSave.addEventListener('click', () => {
    const key = shieldSelect.value;
    shieldStatus.say('Saving…', 'busy');
    apiJson<SiteRecord>('PATCH', `/api/sites/${enc(key)}`, { excludedIps: rules(shieldIps.value), excludedPaths: rules(shieldPaths.value) })
      .then(async (site) => {
        shieldStatus.say(
          `Shields of ${site.key} saved: ${site.excludedIps.length} address rule(s), ${site.excludedPaths.length} path rule(s).`,
          'ok',
        );
        await load();
      })
      .catch((error: unknown) => shieldStatus.say(refusal(error), 'error'));
  });

  reload.addEventListener('click', () => void load());

  return {
    show() {
      const first = !visible;
      visible = true;
      if (first) void load();
    },
    hide() {
      visible = false;
      shareIssued.hidden = true; // a link is shown once: leaving the view forgets it
      shareUrl.value = '';
    },
  };
}
