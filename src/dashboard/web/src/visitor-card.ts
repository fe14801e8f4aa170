/** One visitor's last hour, opened from the feed: events counted and the last cursor position. */
import type { UserStats } from './api-types.ts';
import { byId, el, errorText } from './dom.ts';
import { shortId } from './feed-view.ts';
import { formatAgo, formatCount } from './format.ts';
import { getJson, withSite } from './stats-api.ts';

export interface VisitorCardContext {
  site(): string | null;
  /** The server's clock as of the last update, which "… ago" counts from. */
  serverNow(): number;
}

export interface VisitorCard {
  show(userId: string): Promise<void>;
  hide(): void;
}

function closeButton(card: HTMLElement): HTMLButtonElement {
  const close = el('button', 'visitor-close', '×');
  close.type = 'button';
  close.title = 'Close';
  close.addEventListener('click', () => (card.hidden = true));
  return close;
}

function lastPositionText(stats: UserStats, now: number): string {
  const last = stats.lastPosition;
  return last === null
    ? 'no cursor position recorded'
    : `last cursor at (${Math.round(last.x)}, ${Math.round(last.y)}) on ${last.path}, ${formatAgo(now - last.ts)}`;
}

export function visitorCard(context: VisitorCardContext): VisitorCard {
  const card = byId('visitor');
  return {
    async show(userId) {
      card.hidden = false;
      card.textContent = `Loading visitor ${shortId(userId)}…`;
      try {
        const stats = await getJson<UserStats>(withSite(`/api/stats/users/${encodeURIComponent(userId)}`, context.site()));
        const title = el('strong', '', `Visitor ${shortId(stats.user_id)}`);
        title.title = stats.user_id;
        const where = lastPositionText(stats, context.serverNow());
        const text = el(
          'span',
          '',
          `${formatCount(stats.eventsLastHour)} event${stats.eventsLastHour === 1 ? '' : 's'} in the last hour · ${where}`,
        );
        card.replaceChildren(title, text, closeButton(card));
      } catch (error) {
        card.textContent = `Visitor ${shortId(userId)}: ${errorText(error)}`;
      }
    },
    hide() {
      card.hidden = true;
    },
  };
}
