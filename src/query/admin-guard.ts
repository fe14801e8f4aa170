import type { FastifyInstance } from 'fastify';
import { PulseError, errorCodes } from '../shared/errors.ts';

/** Paths the admin token guards: the topic browser and /api/admin/*. */
export const isAdminPath = (url: string): boolean => url.startsWith('/api/topics') || url.startsWith('/api/admin/');

/** With PULSE_ADMIN_TOKEN set, the topic browser and /api/admin/* need `Authorization: Bearer <token>`. */
export function guardAdminRoutes(app: FastifyInstance, token: string | undefined): void {
  if (token === undefined) return;
  const expected = `Bearer ${token}`;
  app.addHook('onRequest', async (request) => {
    if (isAdminPath(request.url) && request.headers.authorization !== expected) {
      throw new PulseError(errorCodes.UNAUTHORIZED, 'admin API needs Authorization: Bearer <PULSE_ADMIN_TOKEN>');
    }
  });
}
