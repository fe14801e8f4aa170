import assert from 'node:assert/strict';
import { test } from 'node:test';
import type * as Web from '../../../src/dashboard/web/src/api-types.ts';
import type { BotsAnswer, BreakdownAnswer, HistoryBucket, PagesAnswer, TimeseriesAnswer } from '../../../src/query/history-routes.ts';
import type { LiveUpdate } from '../../../src/query/live-hub.ts';
import type { BreakdownDimension, PageAggregate } from '../../../src/stores/warehouse/warehouse.ts';
import type { HeatCell, PagePosition, RealtimeSnapshot, UserStats } from '../../../src/stores/realtime/realtime-store.ts';

/**
 * The browser build keeps its own copy of the API's types (it cannot import
 * the server modules). These assignments only compile while every server
 * shape still fits the dashboard's, so `tsc` fails on a drift.
 */
type Fits<Server, Client> = [Server] extends [Client] ? true : false; // bracketed: a union must fit as a whole
const checks: {
  snapshot: Fits<RealtimeSnapshot, Web.RealtimeSnapshot>;
  live: Fits<LiveUpdate, Web.LiveUpdate>;
  position: Fits<PagePosition, Web.PagePosition>;
  heat: Fits<HeatCell, Web.HeatCell>;
  user: Fits<UserStats, Web.UserStats>;
  timeseries: Fits<TimeseriesAnswer, Web.HistoryTimeseries>;
  breakdown: Fits<BreakdownAnswer, Web.HistoryBreakdown>;
  pages: Fits<PagesAnswer, Web.HistoryPages>;
  bots: Fits<BotsAnswer, Web.HistoryBots>;
  aggregate: Fits<PageAggregate, Web.HistoryPage>;
  // Both ways: the dashboard offers exactly the buckets and dimensions the server accepts.
  bucket: Fits<HistoryBucket, Web.HistoryBucket>;
  bucketBack: Fits<Web.HistoryBucket, HistoryBucket>;
  dimension: Fits<BreakdownDimension, Web.BreakdownDimension>;
  dimensionBack: Fits<Web.BreakdownDimension, BreakdownDimension>;
} = {
  snapshot: true,
  live: true,
  position: true,
  heat: true,
  user: true,
  timeseries: true,
  breakdown: true,
  pages: true,
  bots: true,
  aggregate: true,
  bucket: true,
  bucketBack: true,
  dimension: true,
  dimensionBack: true,
};

test("the server's stats and history types fit the dashboard's copies (checked by tsc)", () => {
  assert.ok(Object.values(checks).every(Boolean));
});
