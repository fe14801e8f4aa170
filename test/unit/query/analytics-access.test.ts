import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accessOf } from '../../../src/auth/access-policy.ts';

/**
 * Who may call the analytics routes: the figures (funnel, retention, events) are read like the
 * rest of the history; saved funnels are for signed-in users and API tokens (kept to their sites
 * by the `site` parameter), never share links; nothing else near them is opened by accident.
 */
test('analytics figures are for readers, saved funnels for members, and nothing more', () => {
  const cases: [string, string, string][] = [
    ['GET', '/api/history/funnel', 'read'],
    ['GET', '/api/history/retention', 'read'],
    ['GET', '/api/history/events', 'read'],
    ['GET', '/api/history/events/:name/properties', 'read'],
    ['GET', '/api/history/events/:name/properties/:key', 'read'],
    ['POST', '/api/history/funnel', 'admin'],
    ['GET', '/api/funnels', 'member'],
    ['POST', '/api/funnels', 'member'],
    ['DELETE', '/api/funnels/:id', 'member'],
    // Only those two routes: a later route that merely starts alike stays closed.
    ['GET', '/api/funnels-export', 'admin'],
    ['POST', '/api/funnels/:id/share', 'admin'],
  ];
  for (const [method, route, access] of cases) assert.equal(accessOf(method, route), access, `${method} ${route}`);
});
