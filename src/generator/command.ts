import { Command, InvalidArgumentError, Option } from 'commander';
import { randomInt } from 'node:crypto';
import { pino } from 'pino';
import { loadConfig } from '../config/config.ts';
import { createLogger } from '../shared/logger.ts';
import { strategies, type Strategy } from './generator.ts';
import { defaultIdPrefix } from './plan.ts';
import { defaultRetryPolicy } from './retry.ts';
import { isKafkaTarget, openGeneratorTarget } from '../runtime/generator-target.ts';
import { runGenerator, serveGenerator } from './run.ts';
import { modes, type Mode } from './schedule.ts';

interface GenerateFlags {
  target: string;
  mode: Mode;
  eps?: number;
  count?: number;
  duration?: number;
  seed?: number;
  strategy?: Strategy;
  batchSize: number;
  batchMs: number;
  site: string;
  users: number;
  idPrefix?: string;
  topic?: string;
  retryBaseMs: number;
  retryMaxMs: number;
  serve?: boolean;
  port: number;
}

const number =
  (what: string, test: (n: number) => boolean) =>
  (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !test(n)) throw new InvalidArgumentError(`expected ${what}`);
    return n;
  };
const positiveInt = number('a positive whole number', (n) => Number.isInteger(n) && n >= 1);
const positive = number('a number above 0', (n) => Number.isFinite(n) && n > 0);
const seedNumber = number('a whole number 0–4294967295', (n) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff);
const port = number('a port 0–65535', (n) => Number.isInteger(n) && n >= 0 && n <= 65535);
const target = (value: string): string => {
  if (isKafkaTarget(value)) return value;
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {
    // reported below
  }
  throw new InvalidArgumentError('expected "kafka" or an ingest URL such as http://127.0.0.1:8080');
};

/** `pulse generate`: the load generator (see README, "Load generator"). */
export function generateCommand(): Command {
  return new Command('generate')
    .description('generate page-view traffic into Kafka (topic page-views) or an ingest URL; --serve adds the control API')
    .option('--target <kafka|url>', 'kafka (PULSE_KAFKA_BROKERS) or an ingest base URL, e.g. http://127.0.0.1:8080', target, 'kafka')
    .addOption(
      new Option('--mode <mode>', 'regular: 1–10 events/s; peak: bursts of 100–1000 every 10 s; night: 1 event / 10 s')
        .choices(modes)
        .default('regular'),
    )
    .option('--eps <n>', 'exact rate in events per second (overrides --mode)', positive)
    .option('--count <n>', 'stop after n records', positiveInt)
    .option('--duration <seconds>', 'stop after this many seconds', positive)
    .option('--seed <n>', 'seed of the event plan: the same seed sends the same events and ids (default: random, printed)', seedNumber)
    .addOption(
      new Option(
        '--strategy <strategy>',
        'sync (each record awaited, with retries), async, or batch (default: async for kafka, batch for a URL)',
      ).choices(strategies),
    )
    .option('--batch-size <n>', 'batch: send when this many records wait', positiveInt, 100)
    .option('--batch-ms <ms>', 'batch: send when the oldest record has waited this long', positiveInt, 200)
    .option('--site <key>', 'site key of the events', 'demo')
    .option('--users <n>', 'distinct visitors', positiveInt, 500)
    .option('--id-prefix <prefix>', 'prefix of event, visitor and session ids (default g<seed>)')
    .option('--topic <name>', 'Kafka target: topic to write (default page-views)')
    .option('--retry-base-ms <ms>', 'first back-off delay; doubled per attempt (5 attempts in all)', positiveInt, defaultRetryPolicy.baseMs)
    .option('--retry-max-ms <ms>', 'longest back-off delay', positiveInt, defaultRetryPolicy.maxMs)
    .option(
      '--serve',
      'run until stopped, with the control API (POST /config/speed, /config/mode, /generate/burst; GET /status, /metrics, /health)',
    )
    .option('--port <n>', 'port of the control API with --serve', port, 8083)
    .action(async (flags: GenerateFlags) => {
      const config = loadConfig();
      const seed = flags.seed ?? randomInt(0, 2 ** 31);
      const options = {
        target: flags.target,
        topic: flags.topic,
        seed,
        plan: { site: flags.site, users: flags.users, idPrefix: flags.idPrefix ?? defaultIdPrefix(seed) },
        mode: flags.mode,
        eps: flags.eps ?? null,
        count: flags.count,
        durationMs: flags.duration === undefined ? undefined : flags.duration * 1000,
        strategy: flags.strategy ?? (isKafkaTarget(flags.target) ? 'async' : 'batch'),
        batchSize: flags.batchSize,
        batchMs: flags.batchMs,
        retry: { attempts: defaultRetryPolicy.attempts, baseMs: flags.retryBaseMs, maxMs: Math.max(flags.retryMaxMs, flags.retryBaseMs) },
      } as const;
      if (flags.serve === true) {
        const logger = createLogger(config.PULSE_LOG_LEVEL, 'pulse-generate');
        const openTarget = (spec: Parameters<typeof openGeneratorTarget>[0]) => openGeneratorTarget(spec, { config, logger });
        const served = await serveGenerator(options, { openTarget, logger, host: config.PULSE_HOST, port: flags.port });
        logger.info({ seed }, `reproduce with --seed ${seed}`);
        const stop = (signal: string): void => {
          logger.info({ signal }, 'shutting down');
          served.close().then(
            () => process.exit(0),
            (error: unknown) => {
              logger.error({ err: error }, 'shutdown failed');
              process.exit(1);
            },
          );
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        return;
      }
      // A bounded run keeps stdout for its result: logs and the progress line go to stderr.
      const logger = createLogger(config.PULSE_LOG_LEVEL, 'pulse-generate', pino.destination(2));
      process.stderr.write(
        `pulse generate: seed ${seed} → ${options.target}${isKafkaTarget(options.target) ? ` (${options.topic ?? 'page-views'})` : ''}\n`,
      );
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const openTarget = (spec: Parameters<typeof openGeneratorTarget>[0]) => openGeneratorTarget(spec, { config, logger });
        const final = await runGenerator(options, { openTarget, logger, progress: process.stderr, signal: abort.signal });
        process.stdout.write(`${JSON.stringify(final)}\n`);
        if (final.failed > 0) process.exitCode = 1;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
