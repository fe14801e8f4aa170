import type { FastifyInstance } from 'fastify';
import { PulseError, errorCodes } from '../shared/errors.ts';

/**
 * Actions that change a cluster from the Kafka page: resetting a group's offsets and producing a
 * message. They need the admin token, and with none configured they are refused outright.
 */
const kafkaMutation = /^\/api\/kafka\/(?:groups\/[^/?#]+\/reset|topics\/[^/?#]+\/messages)\/?(?:[?#]|$)/;
export const isAdminMutation = (url: string, method: string): boolean => method !== 'GET' && method !== 'HEAD' && kafkaMutation.test(url);

/** Paths the admin token guards: the topic browser, /api/admin/* and the Kafka page's actions. */
export const isAdminPath = (url: string, method = 'GET'): boolean =>
  url.startsWith('/api/topics') || url.startsWith('/api/admin/') || isAdminMutation(url, method);

/**
 * With PULSE_ADMIN_TOKEN set, the admin paths need `Authorization: Bearer <token>` (401 without).
 * Without it, the Kafka page's actions answer 403: they change what consumers read, so an instance
 * with no admin token has no admin.
 */
export function guardAdminRoutes(app: FastifyInstance, token: string | undefined): void {
  const expected = token === undefined ? undefined : `Bearer ${token}`;
  app.addHook('onRequest', async (request) => {
    // The matched route's pattern too, so no spelling of a URL reaches an action unguarded.
    const mutation = isAdminMutation(request.url, request.method) || isAdminMutation(request.routeOptions.url ?? '', request.method);
    if (expected === undefined) {
      if (mutation) {
        throw new PulseError(
          errorCodes.FORBIDDEN,
          'this action is for admins, and this Pulse has none: set PULSE_ADMIN_TOKEN and send Authorization: Bearer <PULSE_ADMIN_TOKEN>',
          { detail: 'admin_token_not_configured' },
        );
      }
      return;
    }
    if ((mutation || isAdminPath(request.url, request.method)) && request.headers.authorization !== expected) {
      throw new PulseError(errorCodes.UNAUTHORIZED, 'admin API needs Authorization: Bearer <PULSE_ADMIN_TOKEN>');
    }
  });
}
