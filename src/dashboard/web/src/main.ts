/**
 * The Pulse dashboard. Every live figure comes from one EventSource on
 * /api/stream (no polling loop); only the cursor heat map, which is read per
 * page, is fetched, and only when a stream update arrives and the last fetch
 * is a few seconds old. `#history` shows the History view instead
 * (history-view.ts, loaded on first use), with the same site selector.
 *
 * Nothing is read before GET /api/auth/me says who is asking: without
 * credentials the sign-in form (or, from the one-time setup link, the form
 * that creates the first admin) is shown instead (auth-view.ts). The views a
 * role may not use (Kafka and Sites: admins; Shop: not for share links) have
 * no tab.
 *
 * This file only wires the parts together: the sign-in gate, the site and
 * its stream (site-stream.ts), the live figures, feed, heat map and visitor
 * card, the pipeline panel, and the view switch (view-router.ts).
 */
import './styles.css';
import { alertsStrip } from './alerts-strip.ts';
import type { LiveUpdate, RealtimeSnapshot } from './api-types.ts';
import { authGate } from './auth-view.ts';
import { byId, errorText } from './dom.ts';
import { heatPanel } from './heat-panel.ts';
import { liveFeed } from './live-feed.ts';
import { liveFigures } from './live-figures.ts';
import { renderBanner, renderConnection, renderDataAge } from './page-status.ts';
import { pipelineView } from './pipeline-view.ts';
import { logout, principalName, readMe, setMe, whenExpired, type Me } from './session.ts';
import { siteStream } from './site-stream.ts';
import { viewRouter, type View } from './view-router.ts';
import { visitorCard } from './visitor-card.ts';

const header = { connection: byId('connection'), dataAge: byId('data-age'), banner: byId('banner'), serverTime: byId('server-time') };
const showBanner = (message: string | null) => renderBanner(header.banner, message);

/** Why the page was reloaded to the sign-in form (kept across the reload that drops the running views). */
const SIGNED_OUT_KEY = 'pulse.signedOut';
const signedOutNotices: Record<string, string> = {
  expired: 'Your session has ended. Sign in again.',
  'signed-out': 'You are signed out.',
};

function takeSignedOutNotice(): string | null {
  try {
    const reason = window.sessionStorage.getItem(SIGNED_OUT_KEY);
    window.sessionStorage.removeItem(SIGNED_OUT_KEY);
    return reason === null ? null : (signedOutNotices[reason] ?? null);
  } catch {
    return null;
  }
}

/** Which views a role may use: Kafka and Sites are admin-only, a share link sees its site's figures only. */
function viewsFor(principal: Me): (view: View) => boolean {
  return (view) => {
    if (view === 'kafka' || view === 'sites') return principal.role === 'admin';
    if (view === 'shop') return principal.role !== 'share';
    return true;
  };
}

/** The live view and everything around it, started once the API said who is signed in. */
function startDashboard(principal: Me): void {
  const figures = liveFigures();
  const feed = liveFeed({
    onUser: (userId) => void visitor.show(userId),
    onFilter: () => {
      const latest = stream.latest();
      if (latest !== undefined) renderRealtime(latest.realtime, latest.serverTime);
    },
  });
  const heat = heatPanel({ site: () => stream.site(), serverNow: () => stream.serverNow(), shown: () => router.current() === 'live' });
  const pipeline = pipelineView(byId('pipeline'));
  const visitor = visitorCard({ site: () => stream.site(), serverNow: () => stream.serverNow() });

  function renderRealtime(realtime: RealtimeSnapshot, serverTime: number): void {
    figures.render(realtime, serverTime);
    feed.render(realtime.feed, serverTime);
    heat.setTopPages(realtime.topPages);
  }

  function renderUpdate(update: LiveUpdate): void {
    router.history()?.setPipeline(update.pipeline);
    renderRealtime(update.realtime, update.serverTime);
    renderDataAge(header.dataAge, update);
    pipeline.update(update.pipeline, update.serverTime, update.newestEventAgeMs);
    header.serverTime.textContent = `Server time ${new Date(update.serverTime).toLocaleTimeString()}`;
    void heat.refresh();
  }

  const router = viewRouter({
    liveShown: () => void heat.refresh(true),
    historyCreated: (panel) => {
      const site = stream.site();
      const latest = stream.latest();
      if (site !== null) panel.setSite(site);
      if (latest !== undefined) panel.setPipeline(latest.pipeline);
    },
    failed: showBanner,
    allowed: viewsFor(principal),
    sitesChanged: () => void stream.refreshSites(),
    site: () => stream.site(),
  });

  const stream = siteStream({
    reset: () => {
      feed.reset();
      figures.reset();
      pipeline.reset();
      heat.reset();
      visitor.hide();
    },
    banner: showBanner,
    resolved: (site) => {
      router.history()?.setSite(site);
      router.analytics()?.setSite(site);
    },
    snapshot: (realtime) => renderRealtime(realtime, Date.now()),
    update: renderUpdate,
    connection: (state) => {
      renderConnection(header.connection, state);
      // The server refused the stream: a session that ended says so on /api/auth/me (a 401 goes back to sign-in).
      if (state === 'offline') {
        void readMe()
          .then((still) => {
            if (still === null) leave('expired');
          })
          .catch(() => undefined);
      }
    },
  });

  router.start();
  // Alertmanager's alerts, on every view (hidden while there are none); not for share links, which see one site's figures only.
  if (principal.role !== 'share') alertsStrip(byId('alerts-strip')).start();

  // A page restored from the back/forward cache or brought back to the front shows a stale map: read it now.
  window.addEventListener('pageshow', () => {
    if (stream.latest() !== undefined) void heat.refresh(true);
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void heat.refresh(true);
  });

  void stream.open(new URL(window.location.href).searchParams.get('site'));
}

// ---------------------------------------------------------------- who is signed in

const account = {
  box: byId('account'),
  name: byId('account-name'),
  role: byId('account-role'),
  signOut: byId<HTMLButtonElement>('sign-out'),
};
let started = false;

function renderAccount(principal: Me | null): void {
  account.box.hidden = principal === null;
  if (principal === null) return;
  account.box.dataset['role'] = principal.role;
  account.name.textContent = principalName(principal);
  account.role.textContent = principal.role === 'share' ? 'read-only' : principal.role;
  // A bearer token the browser sends by itself (operator, API token) cannot be signed out of here.
  account.signOut.hidden = principal.via === 'token' || principal.via === 'operator';
}

/**
 * Back to the sign-in form. Once the views have started (streams open, timers running) the page
 * is reloaded instead, which drops all of them; the reason is shown after the reload.
 */
function leave(reason: 'expired' | 'signed-out'): void {
  setMe(null);
  renderAccount(null);
  if (started) {
    try {
      window.sessionStorage.setItem(SIGNED_OUT_KEY, reason);
    } catch {
      // storage blocked: the form shows without the reason
    }
    gate.dropSetupToken();
    window.location.reload();
    return;
  }
  gate.show({ setupToken: null, notice: signedOutNotices[reason] ?? null });
}

function enter(principal: Me): void {
  setMe(principal);
  whenExpired(() => leave('expired'));
  renderAccount(principal);
  gate.hide();
  document.body.dataset['auth'] = 'in';
  if (started) return;
  started = true;
  startDashboard(principal);
}

const gate = authGate({ signedIn: enter });

account.signOut.addEventListener('click', () => {
  account.signOut.disabled = true;
  logout()
    .catch(() => undefined) // gone already (expired): signed out all the same
    .finally(() => {
      account.signOut.disabled = false;
      leave('signed-out');
    });
});

async function boot(): Promise<void> {
  const setupToken = new URL(window.location.href).searchParams.get('setup');
  let principal: Me | null;
  try {
    principal = await readMe();
  } catch (error) {
    gate.show({ setupToken: null, notice: `Pulse did not answer: ${errorText(error)}. Trying again…` });
    window.setTimeout(() => void boot(), 3000);
    return;
  }
  if (principal === null) {
    gate.show({ setupToken, notice: takeSignedOutNotice() });
    return;
  }
  if (setupToken !== null) gate.dropSetupToken(); // signed in already: the link is of no use
  enter(principal);
}

void boot();
