import type { FastifyInstance } from 'fastify';

/** With PULSE_ADMIN_TOKEN set, the topic browser and /api/admin/* need `Authorization: Bearer <token>`. */
export function guardAdminRoutes(app: FastifyInstance, token: string | undefined): void {
  if (token === undefined) return;
  const expected = `Bearer ${token}`;
  app.addHook('onRequest', async (request, reply) => {
    const guarded = request.url.startsWith('/api/topics') || request.url.startsWith('/api/admin/');
    if (guarded && request.headers.authorization !== expected) {
      await reply.code(401).send({ error: 'unauthorized', message: 'admin API needs Authorization: Bearer <PULSE_ADMIN_TOKEN>' });
    }
  });
}
