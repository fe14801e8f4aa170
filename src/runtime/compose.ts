import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Bus } from '../bus/bus.ts';
import { createEmbeddedBus } from '../bus/embedded/embedded-bus.ts';
import { createKafkaBus } from '../bus/kafka/kafka-bus.ts';
import { ingestTopicSpecs } from '../bus/topics.ts';
import { kafkaBrokers, type Config } from '../config/config.ts';
import { buildIngestApp } from '../ingest/ingest-app.ts';
import { createIngestMetrics } from '../ingest/ingest-metrics.ts';
import { registerBusRoutes } from '../ingest/routes/bus-routes.ts';
import { createLogger, type Logger } from '../shared/logger.ts';

/**
 * The composition root: the only place that decides which adapter sits behind
 * each port. Embedded mode never touches the network except its own HTTP port;
 * distributed mode requires its services to be configured and reachable.
 */
export interface Running {
  app: FastifyInstance;
  bus: Bus;
  url: string;
  logger: Logger;
  close(): Promise<void>;
}

export function kafkaBusFrom(config: Config): Bus {
  return createKafkaBus({ brokers: kafkaBrokers(config), clientId: config.PULSE_KAFKA_CLIENT_ID });
}

export async function embeddedBusFrom(config: Config, logger: Logger): Promise<Bus> {
  const dir = join(resolve(config.PULSE_DATA_DIR), 'bus');
  await mkdir(dir, { recursive: true });
  return createEmbeddedBus({ dir, logger: logger.child({ component: 'bus' }) });
}

/** `pulse start`: every part in one process over the embedded bus. */
export async function startEmbedded(config: Config): Promise<Running> {
  const logger = createLogger(config.PULSE_LOG_LEVEL, 'pulse');
  const bus = await embeddedBusFrom(config, logger);
  return serve(config, logger, bus, 'embedded');
}

/** `pulse ingest`: the HTTP collector alone, producing to Kafka. */
export async function startIngest(config: Config): Promise<Running> {
  const logger = createLogger(config.PULSE_LOG_LEVEL, 'pulse-ingest');
  const bus = kafkaBusFrom(config);
  return serve(config, logger, bus, 'ingest');
}

async function serve(config: Config, logger: Logger, bus: Bus, role: 'embedded' | 'ingest'): Promise<Running> {
  try {
    await bus.ensureTopics(ingestTopicSpecs(config));
    const app = await buildIngestApp({
      bus,
      config,
      logger,
      metrics: createIngestMetrics(),
      extend: role === 'embedded' ? (a) => registerBusRoutes(a, { bus, adminToken: config.PULSE_ADMIN_TOKEN }) : undefined,
    });
    const address = await app.listen({ host: config.PULSE_HOST, port: config.PULSE_PORT });
    logger.info({ address, bus: bus.kind, role }, 'pulse is listening');
    return {
      app,
      bus,
      url: address,
      logger,
      async close() {
        await app.close();
        await bus.close();
      },
    };
  } catch (error) {
    await bus.close();
    throw error;
  }
}
