/**
 * The Pulse dashboard. Every live figure comes from one EventSource on
 * /api/stream (no polling loop); only the cursor heat map, which is read per
 * page, is fetched, and only when a stream update arrives and the last fetch
 * is a few seconds old. `#history` shows the History view instead
 * (history-view.ts, loaded on first use), with the same site selector.
 *
 * This file only wires the parts together: the site and its stream
 * (site-stream.ts), the live figures, feed, heat map and visitor card, the
 * pipeline panel, and the Live | History switch (view-router.ts).
 */
import './styles.css';
import { alertsStrip } from './alerts-strip.ts';
import type { LiveUpdate, RealtimeSnapshot } from './api-types.ts';
import { byId } from './dom.ts';
import { heatPanel } from './heat-panel.ts';
import { liveFeed } from './live-feed.ts';
import { liveFigures } from './live-figures.ts';
import { renderBanner, renderConnection, renderDataAge } from './page-status.ts';
import { pipelineView } from './pipeline-view.ts';
import { siteStream } from './site-stream.ts';
import { viewRouter } from './view-router.ts';
import { visitorCard } from './visitor-card.ts';

const header = { connection: byId('connection'), dataAge: byId('data-age'), banner: byId('banner'), serverTime: byId('server-time') };
const showBanner = (message: string | null) => renderBanner(header.banner, message);

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
  resolved: (site) => router.history()?.setSite(site),
  snapshot: (realtime) => renderRealtime(realtime, Date.now()),
  update: renderUpdate,
  connection: (state) => renderConnection(header.connection, state),
});

router.start();
// Alertmanager's alerts, on every view (hidden while there are none).
alertsStrip(byId('alerts-strip')).start();

// A page restored from the back/forward cache or brought back to the front shows a stale map: read it now.
window.addEventListener('pageshow', () => {
  if (stream.latest() !== undefined) void heat.refresh(true);
});
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) void heat.refresh(true);
});

void stream.open(new URL(window.location.href).searchParams.get('site'));
