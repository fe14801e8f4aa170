import assert from 'node:assert/strict';
import { test } from 'node:test';
import type * as Web from '../../../src/dashboard/web/src/analytics-types.ts';
import type {
  EventsAnswer,
  FunnelAnswer,
  PropertyKeysAnswer,
  PropertyValuesAnswer,
  RetentionAnswer,
} from '../../../src/query/analytics-routes.ts';
import type { SavedFunnel } from '../../../src/query/analytics-saved-funnels.ts';
import type { FunnelCount, FunnelOrder, RetentionPeriod } from '../../../src/stores/warehouse/product-analytics.ts';

/**
 * The dashboard keeps its own copy of the analytics API's types (the browser build cannot import
 * server modules). These assignments compile only while every server answer fits the dashboard's
 * copy, so `tsc` fails on a drift (as test/unit/dashboard/wire-types.test.ts does for the others).
 */
type Fits<Server, Client> = [Server] extends [Client] ? true : false;
const checks: {
  funnel: Fits<FunnelAnswer, Web.FunnelAnswer>;
  retention: Fits<RetentionAnswer, Web.RetentionAnswer>;
  events: Fits<EventsAnswer, Web.EventsAnswer>;
  keys: Fits<PropertyKeysAnswer, Web.PropertyKeysAnswer>;
  values: Fits<PropertyValuesAnswer, Web.PropertyValuesAnswer>;
  saved: Fits<SavedFunnel, Web.SavedFunnel>;
  // Both ways: the dashboard offers exactly the choices the server accepts.
  order: Fits<FunnelOrder, Web.FunnelOrder>;
  orderBack: Fits<Web.FunnelOrder, FunnelOrder>;
  count: Fits<FunnelCount, Web.FunnelCount>;
  countBack: Fits<Web.FunnelCount, FunnelCount>;
  period: Fits<RetentionPeriod, Web.RetentionPeriod>;
  periodBack: Fits<Web.RetentionPeriod, RetentionPeriod>;
} = {
  funnel: true,
  retention: true,
  events: true,
  keys: true,
  values: true,
  saved: true,
  order: true,
  orderBack: true,
  count: true,
  countBack: true,
  period: true,
  periodBack: true,
};

test('the dashboard’s analytics wire types fit the server’s answers', () => {
  assert.ok(Object.values(checks).every(Boolean));
});
