import { randomUUID } from 'node:crypto';
import type { EventType, WireEvent } from '../contract/event-schema.ts';

/** Plausible events for `pulse send`: one visitor clicking around the demo site. */
export function sampleEvents(count: number, type: EventType, site: string): WireEvent[] {
  const userId = `cli-${randomUUID().slice(0, 8)}`;
  const sessionId = randomUUID();
  const pages = ['/demo/', '/demo/products', '/demo/about', '/demo/contact'];
  return Array.from({ length: count }, (_, i): WireEvent => {
    const common = {
      site,
      user_id: userId,
      session_id: sessionId,
      url: `http://localhost${pages[i % pages.length] ?? '/'}`,
      event_id: randomUUID(),
      ts: new Date().toISOString(),
    };
    switch (type) {
      case 'page_view':
        return { ...common, type, title: 'Pulse demo' };
      case 'click':
        return { ...common, type, selector: 'button#buy', text: 'Buy' };
      case 'form_submit':
        return { ...common, type, form_id: 'contact' };
      case 'mouse_move':
        return { ...common, type, x: 10 * i, y: 5 * i, viewport_w: 1280, viewport_h: 800 };
      case 'custom':
        return { ...common, type, name: 'cli_test', props: { n: i } };
    }
  });
}
