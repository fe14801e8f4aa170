import { randomUUID } from 'node:crypto';

export const CHROME_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/** A valid page_view with a unique user, overridable field by field. */
export function pageView(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'page_view',
    site: 'demo',
    user_id: `u-${randomUUID()}`,
    session_id: `s-${randomUUID()}`,
    url: 'https://shop.example/products/42?utm_source=newsletter&utm_medium=email&utm_campaign=spring',
    referrer: 'https://www.google.com/search?q=pulse',
    title: 'Product 42',
    ts: new Date().toISOString(),
    ...overrides,
  };
}
