import type { FastifyInstance } from 'fastify';
import type { Logger } from '../shared/logger.ts';
import type { Clock } from './clock.ts';
import { buildControlApp } from './control-app.ts';
import { createLoadGenerator, type GeneratorOptions, type GeneratorStatus, type LoadGenerator } from './generator.ts';
import { createGeneratorMetrics } from './metrics.ts';
import { defaultIdPrefix } from './plan.ts';
import { createProgressDisplay, type ProgressOutput } from './progress.ts';
import type { Target } from './targets.ts';

/** Where the generator sends; opened by the caller's choice (src/runtime/generator-target.ts). */
export interface TargetSpec {
  /** `kafka`, or an ingest base URL such as http://127.0.0.1:8080. */
  target: string;
  /** Kafka target: the topic (default `page-views`). */
  topic?: string | undefined;
}

export interface RunDeps {
  logger: Logger;
  /** Opens the target of a run (`run` is its id prefix). */
  openTarget: (spec: TargetSpec & { run: string }) => Promise<Target>;
  clock?: Clock | undefined;
}

export interface BoundedRunOptions extends GeneratorOptions, TargetSpec {}

/** A bounded run (`--count`/`--duration`, or until stopped): the progress line on `progress`, the final figures returned. */
export async function runGenerator(
  options: BoundedRunOptions,
  deps: RunDeps & { progress?: ProgressOutput | undefined; signal?: AbortSignal | undefined },
): Promise<GeneratorStatus> {
  const target = await deps.openTarget({
    target: options.target,
    topic: options.topic,
    run: options.plan?.idPrefix ?? defaultIdPrefix(options.seed),
  });
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
  const target = await deps.openTarget({
    target: options.target,
    topic: options.topic,
    run: options.plan?.idPrefix ?? defaultIdPrefix(options.seed),
  });
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
