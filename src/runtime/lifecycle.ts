import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.ts';
import type { Logger } from '../shared/logger.ts';

/** A started process: its HTTP server, where it listens, and how to stop it. */
export interface Running {
  app: FastifyInstance;
  url: string;
  logger: Logger;
  close(): Promise<void>;
}

export interface Closer {
  add(step: () => Promise<unknown> | unknown): void;
  run(): Promise<void>;
}

/** Closes what was opened, newest first, even when one of them fails. */
export function closer(logger: Logger): Closer {
  const steps: (() => Promise<unknown> | unknown)[] = [];
  return {
    add(step) {
      steps.unshift(step);
    },
    async run() {
      for (const step of steps) {
        try {
          await step();
        } catch (error) {
          logger.warn({ err: error }, 'close step failed');
        }
      }
    },
  };
}

/** Builds a process with `build`; whatever it opened is closed again when it fails. */
export async function assemble(logger: Logger, build: (cleanup: Closer) => Promise<Running>): Promise<Running> {
  const cleanup = closer(logger);
  try {
    return await build(cleanup);
  } catch (error) {
    await cleanup.run();
    throw error;
  }
}

export async function listen(app: FastifyInstance, config: Config, logger: Logger, role: string, cleanup: Closer): Promise<Running> {
  const url = await app.listen({ host: config.PULSE_HOST, port: config.PULSE_PORT });
  logger.info({ url, role }, 'pulse is listening');
  return { app, url, logger, close: () => cleanup.run() };
}
