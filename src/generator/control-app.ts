import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { createHttpApp } from '../http/http-app.ts';
import { badRequest } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { MAX_BURST, type LoadGenerator } from './generator.ts';
import { MAX_EPS, modes, type Mode } from './schedule.ts';

/**
 * The running generator's HTTP control API (seed 002): rate, mode and bursts change the loop from
 * its next tick, without a restart; /status, /metrics and /health observe it.
 */
export function buildControlApp(deps: { generator: LoadGenerator; registry: Registry; logger: Logger }): FastifyInstance {
  const { generator } = deps;
  const app = createHttpApp({ logger: deps.logger });
  const query = (request: { query: unknown }, name: string): string | undefined => {
    const value = (request.query as Record<string, unknown> | undefined)?.[name];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };

  app.post('/config/speed', async (request) => {
    const raw = query(request, 'eps');
    const eps = Number(raw);
    if (raw === undefined || !Number.isFinite(eps) || eps <= 0 || eps > MAX_EPS) {
      throw badRequest(
        'invalid_eps',
        `eps must be a number above 0 and at most ${MAX_EPS} (events per second), got ${JSON.stringify(raw ?? null)}`,
      );
    }
    generator.setEps(eps);
    const { mode } = generator.status();
    return { eps, mode };
  });

  app.post('/config/mode', async (request) => {
    const mode = query(request, 'mode');
    if (mode === undefined || !(modes as readonly string[]).includes(mode)) {
      throw badRequest('invalid_mode', `mode must be one of ${modes.join(', ')}, got ${JSON.stringify(mode ?? null)}`);
    }
    // A mode replaces an exact rate set before: the mode's own pattern applies again.
    generator.setMode(mode as Mode);
    return { mode, eps: null };
  });

  app.post('/generate/burst', async (request, reply) => {
    const raw = query(request, 'count');
    const count = Number(raw);
    if (raw === undefined || !/^\d+$/.test(raw) || count < 1 || count > MAX_BURST) {
      throw badRequest('invalid_count', `count must be a whole number from 1 to ${MAX_BURST}, got ${JSON.stringify(raw ?? null)}`);
    }
    generator.burst(count);
    return reply.code(202).send({ queued: count });
  });

  app.get('/status', async () => generator.status());

  app.get('/metrics', async (_request, reply) =>
    reply.header('content-type', deps.registry.contentType).send(await deps.registry.metrics()),
  );

  app.get('/health', async (_request, reply) => {
    const { state } = generator.status();
    return state === 'running' ? { status: 'ok', state } : reply.code(503).send({ status: 'unavailable', state });
  });

  return app;
}
