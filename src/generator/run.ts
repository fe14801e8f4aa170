import type { FastifyInstance } from 'fastify';
import type { Bus, TopicSpec } from '../bus/bus.ts';
import { ingestTopicSpecs, topics } from '../bus/topics.ts';
import type { Config } from '../config/config.ts';
import { kafkaBusFrom } from '../runtime/compose.ts';
import type { Logger } from '../shared/logger.ts';
import { systemClock, type Clock } from './clock.ts';
import { buildControlApp } from './control-app.ts';
import { createLoadGenerator, type GeneratorOptions, type GeneratorStatus, type LoadGenerator } from './generator.ts';
import { createGeneratorMetrics } from './metrics.ts';
import { defaultIdPrefix } from './plan.ts';
import { createProgressDisplay, type ProgressOutput } from './progress.ts';
import { defaultRetryPolicy, withRetries } from './retry.ts';
import { createHttpTarget, createKafkaTarget, type Target } from './targets.ts';

/**
 * `pulse generate`: picks the target from `--target` (Kafka through the Bus port's Kafka adapter,
 * or an ingest URL) and runs the generator bounded (progress on stderr) or as a service with the
 * control API.
 */
export interface TargetSpec {
  /** `kafka`, or an ingest base URL such as http://127.0.0.1:8080. */
  target: string;
  /** Kafka target: the topic (default `page-views`). */
  topic?: string | undefined;
}

export interface RunDeps {
  config: Config;
  logger: Logger;
  /** Use this target instead of building one from `--target` (tests, other buses). */
  target?: Target | undefined;
  /** Kafka target: use this bus instead of one from PULSE_KAFKA_BROKERS. */
  bus?: Bus | undefined;
  clock?: Clock | undefined;
}

export function isKafkaTarget(target: string): boolean {
  return target === 'kafka';
}

/**
 * Opens the target. For Kafka the topic is created if missing and its partition count read, both
 * retried like sends (an unreachable broker fails after the last attempt, not at once).
 */
export async function openTarget(spec: TargetSpec & { run: string }, deps: RunDeps): Promise<Target> {
  if (deps.target !== undefined) return deps.target;
  if (!isKafkaTarget(spec.target)) return createHttpTarget({ url: spec.target });
  const topic = spec.topic ?? topics.pageViews;
  const bus = deps.bus ?? kafkaBusFrom(deps.config);
  try {
    const specs: TopicSpec[] =
      topic === topics.pageViews
        ? ingestTopicSpecs(deps.config).filter((s) => s.name === topic || s.name === `${topic}.dlq`)
        : [{ name: topic, partitions: deps.config.PULSE_PARTITIONS, replicas: deps.config.PULSE_REPLICATION_FACTOR }];
    const partitions = await withRetries(
      async () => {
        await bus.ensureTopics(specs);
        const info = (await bus.listTopics()).find((t) => t.name === topic);
        if (info === undefined || info.partitions.length === 0) throw new Error(`topic "${topic}" has no partitions`);
        return info.partitions.length;
      },
      defaultRetryPolicy,
      deps.clock ?? systemClock,
      ({ attempt, delayMs, error }) => deps.logger.warn({ err: error, attempt, delayMs }, 'Kafka not ready, retrying'),
    );
    return createKafkaTarget({ bus, topic, partitions, run: spec.run });
  } catch (error) {
    if (deps.bus === undefined) await bus.close();
    throw error;
  }
}

export interface BoundedRunOptions extends GeneratorOptions, TargetSpec {}

/** A bounded run (`--count`/`--duration`, or until stopped): the progress line on `progress`, the final figures returned. */
export async function runGenerator(
  options: BoundedRunOptions,
  deps: RunDeps & { progress?: ProgressOutput | undefined; signal?: AbortSignal | undefined },
): Promise<GeneratorStatus> {
  const target = await openTarget({ ...options, run: options.plan?.idPrefix ?? defaultIdPrefix(options.seed) }, deps);
  try {
    const generator = createLoadGenerator(options, { target, logger: deps.logger, clock: deps.clock });
    const stop = () => void generator.stop();
    deps.signal?.addEventListener('abort', stop, { once: true });
    // The display runs on its own timer, so it keeps moving while a send waits out a back-off.
    const show = deps.progress === undefined ? undefined : createProgressDisplay(deps.progress, options.count);
    const ticker = show === undefined ? undefined : setInterval(() => show(generator.status()), 1000);
    try {
      const final = await generator.run();
      show?.(final);
      return final;
    } finally {
      clearInterval(ticker);
      deps.signal?.removeEventListener('abort', stop);
    }
  } finally {
    await target.close();
  }
}

export interface ServedGenerator {
  url: string;
  app: FastifyInstance;
  generator: LoadGenerator;
  /** Stops generating, waits for outstanding answers, closes the API and the target. */
  close(): Promise<GeneratorStatus>;
}

/** `pulse generate --serve`: generates until closed; the control API on host:port changes it while it runs. */
export async function serveGenerator(
  options: GeneratorOptions & TargetSpec,
  deps: RunDeps & { host: string; port: number },
): Promise<ServedGenerator> {
  if (options.count !== undefined || options.durationMs !== undefined) {
    throw new RangeError('--serve runs until stopped; --count and --duration are for bounded runs');
  }
  const target = await openTarget({ ...options, run: options.plan?.idPrefix ?? defaultIdPrefix(options.seed) }, deps);
  const metrics = createGeneratorMetrics();
  const generator = createLoadGenerator(options, { target, logger: deps.logger, clock: deps.clock, metrics });
  // Seed 002's "statistics logged in real time": a status line every 10 s.
  const statsLog = setInterval(() => {
    const { sent, acked, failed, inFlight, rate, mode, eps, duplicates, invalid, retries } = generator.status();
    deps.logger.info({ sent, acked, failed, inFlight, rate, mode, eps, duplicates, invalid, retries }, 'generator status');
  }, 10_000);
  const running = generator.run();
  running.catch((error: unknown) => deps.logger.error({ err: error }, 'generator loop failed'));
  const app = buildControlApp({ generator, registry: metrics.registry, logger: deps.logger });
  try {
    const url = await app.listen({ host: deps.host, port: deps.port });
    deps.logger.info({ url, target: target.description }, 'generator control API listening');
    return {
      url,
      app,
      generator,
      async close() {
        clearInterval(statsLog);
        const final = await generator.stop();
        await app.close();
        await target.close();
        return final;
      },
    };
  } catch (error) {
    clearInterval(statsLog);
    await generator.stop();
    await target.close();
    throw error;
  }
}
