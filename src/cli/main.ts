import { Command, InvalidArgumentError, Option } from 'commander';
import { randomUUID } from 'node:crypto';
import { ingestTopicSpecs } from '../bus/topics.ts';
import { loadConfig, type Config } from '../config/config.ts';
import { generateCommand } from '../generator/command.ts';
import { describeRecord } from '../ingest/routes/bus-routes.ts';
import { registerDbCommands } from './db-commands.ts';
import {
  kafkaBusFrom,
  startDashboard,
  startEmbedded,
  startIngest,
  startRealtimeWorker,
  startWarehouseWorker,
  type Running,
} from '../runtime/compose.ts';
import { PulseError } from '../shared/errors.ts';
import { sampleEvents } from './sample-events.ts';

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
};

/** Where commands that talk to a running Pulse find it: Kafka when configured, else the embedded instance's HTTP API. */
const embeddedUrl = (config: Config): string => process.env['PULSE_URL'] ?? `http://127.0.0.1:${config.PULSE_PORT}`;

async function runUntilSignal(start: () => Promise<Running>): Promise<void> {
  const running = await start();
  const stop = (signal: string): void => {
    running.logger.info({ signal }, 'shutting down');
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        running.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export function buildCli(): Command {
  const program = new Command('pulse')
    .description(
      'Pulse: real-time user-activity analytics on Apache Kafka.\nSettings come from PULSE_* environment variables (see README).',
    )
    .showHelpAfterError();

  program
    .command('start')
    .description('run every part in one process with the embedded bus (no external services)')
    .action(() => runUntilSignal(() => startEmbedded(loadConfig())));

  program
    .command('ingest')
    .description('run the HTTP ingest service against Kafka (needs PULSE_KAFKA_BROKERS)')
    .action(() => runUntilSignal(() => startIngest(loadConfig())));

  const workerCommand = program.command('worker').description('run a stream worker (a Kafka consumer group member)');
  workerCommand
    .command('realtime')
    .description(
      'live aggregates: Kafka → Redis (needs PULSE_KAFKA_BROKERS, PULSE_REDIS_URL); serves /health /ready /status /metrics on PULSE_PORT',
    )
    .action(() => runUntilSignal(() => startRealtimeWorker(loadConfig())));

  workerCommand
    .command('warehouse')
    .description('history: Kafka → PostgreSQL or ClickHouse (needs PULSE_KAFKA_BROKERS and PULSE_POSTGRES_URL / PULSE_CLICKHOUSE_URL)')
    .addOption(new Option('--sink <sink>', 'where history goes').choices(['postgres', 'clickhouse']).makeOptionMandatory())
    .action((options: { sink: 'postgres' | 'clickhouse' }) => runUntilSignal(() => startWarehouseWorker(loadConfig(), options.sink)));

  registerDbCommands(program, embeddedUrl);

  program
    .command('dashboard')
    .description('the dashboard and stats API over Redis, with lag from Kafka (needs PULSE_KAFKA_BROKERS, PULSE_REDIS_URL)')
    .action(() => runUntilSignal(() => startDashboard(loadConfig())));

  const topicsCommand = program
    .command('topics')
    .description('list or create topics (Kafka if PULSE_KAFKA_BROKERS is set, else a running embedded instance)');
  topicsCommand
    .command('list', { isDefault: true })
    .description('list topics with partitions and offsets')
    .action(async () => {
      const config = loadConfig();
      const topics =
        config.PULSE_KAFKA_BROKERS === undefined
          ? (
              (await getJson(`${embeddedUrl(config)}/api/topics`)) as {
                topics: { name: string; partitions: { partition: number; startOffset: number; endOffset: number }[] }[];
              }
            ).topics
          : await withKafka(config, (bus) => bus.listTopics());
      for (const topic of topics) {
        const records = topic.partitions.reduce((sum, p) => sum + p.endOffset - p.startOffset, 0);
        console.log(
          `${topic.name.padEnd(32)} partitions=${topic.partitions.length} records=${records} ends=[${topic.partitions.map((p) => p.endOffset).join(',')}]`,
        );
      }
    });
  topicsCommand
    .command('create')
    .description("create Pulse's topics (PULSE_PARTITIONS, PULSE_REPLICATION_FACTOR) or one named topic")
    .option('--name <topic>', 'create this topic instead of the standard set')
    .option('--partitions <n>', 'partitions of --name', positiveInt)
    .action(async (options: { name?: string; partitions?: number }) => {
      const config = loadConfig();
      const specs =
        options.name === undefined
          ? ingestTopicSpecs(config)
          : [{ name: options.name, partitions: options.partitions ?? config.PULSE_PARTITIONS, replicas: config.PULSE_REPLICATION_FACTOR }];
      await withKafka(config, (bus) => bus.ensureTopics(specs));
      for (const spec of specs) console.log(`ok ${spec.name} partitions=${spec.partitions}`);
    });

  program
    .command('listen')
    .description('print records of a topic as they arrive, one JSON object a line (seed 001 listener)')
    .argument('<topic>', 'e.g. user-activity')
    .addOption(new Option('--from <position>', 'start at').choices(['latest', 'earliest']).default('latest'))
    .option('--count <n>', 'stop after n records', positiveInt)
    .action(async (topic: string, options: { from: 'latest' | 'earliest'; count?: number }) => {
      const config = loadConfig();
      if (config.PULSE_KAFKA_BROKERS === undefined) await listenEmbedded(embeddedUrl(config), topic, options);
      else await listenKafka(config, topic, options);
    });

  program
    .command('send')
    .description('post test events to a running ingest (seed 001 button-click script)')
    .option('--url <url>', 'ingest base URL (default PULSE_URL or http://127.0.0.1:$PULSE_PORT)')
    .option('--count <n>', 'number of events', positiveInt, 1)
    .option('--site <key>', 'site key', 'demo')
    .addOption(
      new Option('--type <type>', 'event type').choices(['page_view', 'click', 'form_submit', 'mouse_move', 'custom']).default('click'),
    )
    .action(async (options: { url?: string; count: number; site: string; type: 'click' }) => {
      const config = loadConfig();
      const url = `${options.url ?? embeddedUrl(config)}/api/events`;
      const events = sampleEvents(options.count, options.type, options.site);
      for (let i = 0; i < events.length; i += 500) {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(events.slice(i, i + 500)),
        });
        const body = await response.text();
        console.log(`${response.status} ${body}`);
        if (!response.ok) process.exitCode = 1;
      }
    });

  // Load generator (seed 002): flags and behaviour live in src/generator/command.ts.
  program.addCommand(generateCommand());

  return program;
}

async function withKafka<T>(config: Config, work: (bus: ReturnType<typeof kafkaBusFrom>) => Promise<T>): Promise<T> {
  const bus = kafkaBusFrom(config);
  try {
    return await work(bus);
  } finally {
    await bus.close();
  }
}

async function listenKafka(config: Config, topic: string, options: { from: 'latest' | 'earliest'; count?: number }): Promise<void> {
  await withKafka(config, async (bus) => {
    const subscription = await bus.subscribe({ group: `pulse-listen-${randomUUID()}`, topics: [topic], from: options.from });
    let stopped = false;
    process.once('SIGINT', () => {
      stopped = true;
    });
    console.error(`listening to ${topic} on Kafka ${config.PULSE_KAFKA_BROKERS ?? ''} (Ctrl-C to stop)`);
    let seen = 0;
    try {
      while (!stopped && seen < (options.count ?? Number.POSITIVE_INFINITY)) {
        for (const record of await subscription.poll(100, 500)) {
          console.log(JSON.stringify(describeRecord(record)));
          seen += 1;
        }
      }
    } finally {
      await subscription.close();
    }
  });
}

async function listenEmbedded(base: string, topic: string, options: { from: 'latest' | 'earliest'; count?: number }): Promise<void> {
  const query = new URLSearchParams({ from: options.from, ...(options.count === undefined ? {} : { limit: String(options.count) }) });
  const response = await fetch(`${base}/api/topics/${encodeURIComponent(topic)}/tail?${query.toString()}`).catch((error: unknown) => {
    throw new Error(`no running Pulse at ${base} (start one with \`pulse start\`, or set PULSE_KAFKA_BROKERS): ${String(error)}`);
  });
  if (!response.ok || response.body === null) throw new Error(`${response.status} ${await response.text()}`);
  console.error(`listening to ${topic} on ${base} (Ctrl-C to stop)`);
  const decoder = new TextDecoder();
  for await (const chunk of response.body) process.stdout.write(decoder.decode(chunk, { stream: true }));
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url).catch((error: unknown) => {
    throw new Error(`no running Pulse at ${url} (start one with \`pulse start\`, or set PULSE_KAFKA_BROKERS): ${String(error)}`);
  });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (error) {
    console.error(`pulse: ${error instanceof PulseError ? error.message : error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
