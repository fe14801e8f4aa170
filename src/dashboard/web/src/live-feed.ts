/** The live event feed with its "cursor moves" switch; a visitor's id in a row opens that visitor's card. */
import type { FeedItem } from './api-types.ts';
import { byId } from './dom.ts';
import { feedView } from './feed-view.ts';

export interface LiveFeed {
  render(items: readonly FeedItem[], serverTime: number): void;
  reset(): void;
}

export interface LiveFeedHooks {
  onUser(userId: string): void;
  /** The switch changed: the feed is drawn again from the last update. */
  onFilter(): void;
}

export function liveFeed(hooks: LiveFeedHooks): LiveFeed {
  const moves = byId<HTMLInputElement>('feed-moves');
  const feed = feedView(byId<HTMLOListElement>('feed'), byId('feed-empty'), (userId) => hooks.onUser(userId));
  moves.addEventListener('change', () => hooks.onFilter());
  return {
    render: (items, serverTime) => feed.update(moves.checked ? items : items.filter((item) => item.type !== 'mouse_move'), serverTime),
    reset: () => feed.reset(),
  };
}
