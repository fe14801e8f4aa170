import type { FastifyInstance } from 'fastify';
import type { AccountStore } from '../stores/accounts/account-store.ts';
import type { Warehouse } from '../stores/warehouse/warehouse.ts';
import { registerAnalyticsRoutes } from './analytics-routes.ts';
import { registerSavedFunnelRoutes } from './analytics-saved-funnels.ts';

/** Product analytics on an app: funnels, retention and custom events from the warehouse, and the sites' saved funnels. */
export function registerAnalyticsApi(
  app: FastifyInstance,
  deps: { warehouse: Warehouse | undefined; accounts: AccountStore; now?: () => number },
): void {
  registerAnalyticsRoutes(app, deps);
  registerSavedFunnelRoutes(app, deps);
}
