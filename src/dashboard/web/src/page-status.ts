/** The header's connection and data-age badges, and the banner for problems that concern the whole page. */
import type { LiveUpdate } from './api-types.ts';
import { dataAgeLevel, formatAge, formatAgo, totalLag, type DataAgeLevel } from './format.ts';
import type { ConnectionState } from './live.ts';

const connectionText: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  stalled: 'Stalled',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

export function renderConnection(badge: HTMLElement, connection: ConnectionState): void {
  badge.dataset['state'] = connection;
  const text = badge.querySelector('[data-text]');
  if (text !== null) text.textContent = connectionText[connection];
}

/** How old the newest aggregated event is, judged against the pipeline's lag: idle traffic is not a stalled pipeline. */
export function renderDataAge(badge: HTMLElement, update: LiveUpdate): DataAgeLevel {
  const age = update.newestEventAgeMs;
  const level = dataAgeLevel(age, totalLag(update.pipeline));
  badge.dataset['level'] = level;
  const text = badge.querySelector('[data-text]');
  if (text === null) return level;
  if (age === null) text.textContent = 'No events yet';
  else if (level === 'idle') text.textContent = `Idle · last event ${formatAgo(age)}`;
  else if (level === 'fresh') text.textContent = `Data age ${formatAge(age)}`;
  else text.textContent = `Behind · data ${formatAge(age)} old`;
  return level;
}

/** `null` hides the banner. */
export function renderBanner(banner: HTMLElement, message: string | null): void {
  banner.hidden = message === null;
  banner.textContent = message ?? '';
}
