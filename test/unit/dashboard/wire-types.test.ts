import assert from 'node:assert/strict';
import { test } from 'node:test';
import type * as Web from '../../../src/dashboard/web/src/api-types.ts';
import type { LiveUpdate } from '../../../src/query/live-hub.ts';
import type { HeatCell, PagePosition, RealtimeSnapshot, UserStats } from '../../../src/stores/realtime/realtime-store.ts';

/**
 * The browser build keeps its own copy of the API's types (it cannot import
 * the server modules). These assignments only compile while every server
 * shape still fits the dashboard's, so `tsc` fails on a drift.
 */
type Fits<Server, Client> = Server extends Client ? true : false;
const checks: {
  snapshot: Fits<RealtimeSnapshot, Web.RealtimeSnapshot>;
  live: Fits<LiveUpdate, Web.LiveUpdate>;
  position: Fits<PagePosition, Web.PagePosition>;
  heat: Fits<HeatCell, Web.HeatCell>;
  user: Fits<UserStats, Web.UserStats>;
} = { snapshot: true, live: true, position: true, heat: true, user: true };

test("the server's stats types fit the dashboard's copies (checked by tsc)", () => {
  assert.ok(Object.values(checks).every(Boolean));
});
