import { Command, InvalidArgumentError, Option } from 'commander';
import { ingestTopicSpecs, topicNames } from '../bus/topics.ts';
import { loadConfig, pulseUrl } from '../config/config.ts';
import { generateCommand } from '../generator/command.ts';
import type { TopicBrowser } from '../query/topic-browser.ts';
import { isIngestGroupMember, leaveGroup, runIngestPrimary } from '../runtime/ingest-processes.ts';
import type { Running } from '../runtime/lifecycle.ts';
import { PulseError } from '../shared/errors.ts';
import { REALTIME_GROUP, realtimeTopics } from '../workers/realtime/realtime-worker.ts';
import { warehouseGroup, warehouseTopics } from '../workers/warehouse/warehouse-worker.ts';
import { registerDbCommands } from './db-commands.ts';
import { sampleEvents } from './sample-events.ts';
import { shopCommand } from './shop-commands.ts';
import { sitesCommand, usersCommand } from './account-commands.ts';
import { FILTER_GROUP } from '../shop/banned-filter.ts';
import { searchProductsGroup, searchQueriesGroup } from '../shop/search-sink.ts';

/** What `pulse send` calls itself: sample data a user sends to see it counted. */
const SAMPLE_USER_AGENT = 'Pulse/0.1 (pulse send; sample events)';

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
};

// Each command imports the runtime it runs when it runs: `pulse start` never loads distributed
// mode's clients (Kafka, Redis, PostgreSQL, ClickHouse, OpenSearch), and no command loads the others'.
const distributed = () => import('../runtime/distributed.ts');
const kafkaBusFrom = async (config: ReturnType<typeof loadConfig>) => (await import('../runtime/adapters.ts')).kafkaBusFrom(config);

async function withTopicBrowser<T>(work: (browser: TopicBrowser) => Promise<T>): Promise<T> {
  const { openTopicBrowser } = await import('../runtime/cli-ports.ts');
  const browser = openTopicBrowser(loadConfig());
  try {
    return await work(browser);
  } finally {
    await browser.close();
  }
}

async function runUntilSignal(start: () => Promise<Running>): Promise<void> {
  const running = await start();
  let stopping = false;
  const stop = (signal: string): void => {
    // Once: a process of an ingest group gets a terminal's SIGINT and its primary's SIGTERM.
    if (stopping) return;
    stopping = true;
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
    .action(() => runUntilSignal(async () => (await import('../runtime/embedded.ts')).startEmbedded(loadConfig())));

  program
    .command('ingest')
    .description('run the HTTP ingest service against Kafka (needs PULSE_KAFKA_BROKERS)')
    .action(async () => {
      const config = loadConfig();
      if (config.PULSE_INGEST_PROCESSES > 1 && !isIngestGroupMember()) process.exit(await runIngestPrimary(config));
      try {
        await runUntilSignal(async () => (await distributed()).startIngest(config));
      } catch (error) {
        if (isIngestGroupMember()) leaveGroup();
        throw error;
      }
    });

  const workerCommand = program.command('worker').description('run a stream worker (a Kafka consumer group member)');
  workerCommand
    .command('realtime')
    .description(
      'live aggregates: Kafka → Redis (needs PULSE_KAFKA_BROKERS, PULSE_REDIS_URL); serves /health /ready /status /metrics on PULSE_PORT',
    )
    .action(() => runUntilSignal(async () => (await distributed()).startRealtimeWorker(loadConfig())));

  workerCommand
    .command('warehouse')
    .description('history: Kafka → PostgreSQL or ClickHouse (needs PULSE_KAFKA_BROKERS and PULSE_POSTGRES_URL / PULSE_CLICKHOUSE_URL)')
    .addOption(new Option('--sink <sink>', 'where history goes').choices(['postgres', 'clickhouse']).makeOptionMandatory())
    .action((options: { sink: 'postgres' | 'clickhouse' }) =>
      runUntilSignal(async () => (await distributed()).startWarehouseWorker(loadConfig(), options.sink)),
    );

  workerCommand
    .command('search')
    .description('marketplace search: filtered-products and client-queries → OpenSearch (needs PULSE_KAFKA_BROKERS, PULSE_OPENSEARCH_URL)')
    .action(() => runUntilSignal(async () => (await distributed()).startSearchWorker(loadConfig())));

  registerDbCommands(program);

  program
    .command('dashboard')
    .description('the dashboard and stats API over Redis, with lag from Kafka (needs PULSE_KAFKA_BROKERS, PULSE_REDIS_URL)')
    .action(() => runUntilSignal(async () => (await distributed()).startDashboard(loadConfig())));

  program
    .command('groups')
    .description("consumer-group lag of Pulse's workers on Kafka (e.g. on a backup cluster before failing over to it)")
    .action(async () => {
      const config = loadConfig();
      const names = topicNames(config.PULSE_TOPIC_PREFIX);
      const groups = [
        { group: `${names.prefix}${REALTIME_GROUP}`, topics: realtimeTopics(names) },
        ...(['postgres', 'clickhouse'] as const).map((sink) => ({
          group: `${names.prefix}${warehouseGroup(sink)}`,
          topics: warehouseTopics(names),
        })),
        { group: `${names.prefix}${FILTER_GROUP}`, topics: [names.products] },
        { group: `${names.prefix}${searchProductsGroup('opensearch')}`, topics: [names.filteredProducts] },
        { group: `${names.prefix}${searchQueriesGroup('opensearch')}`, topics: [names.clientQueries] },
      ];
      const bus = await kafkaBusFrom(config);
      try {
        const present = new Set((await bus.listTopics()).map((t) => t.name));
        for (const { group, topics } of groups) {
          const missing = topics.filter((topic) => !present.has(topic));
          if (missing.length > 0) {
            console.log(`${group.padEnd(36)} not on this cluster (no topic ${missing.join(', ')})`);
            continue;
          }
          const lag = await bus.groupLag(group, topics);
          const committed = lag.filter((p) => p.committed !== null).length;
          const total = lag.reduce((sum, p) => sum + p.lag, 0);
          console.log(`${group.padEnd(36)} committed partitions=${committed}/${lag.length} lag=${total}`);
        }
      } finally {
        await bus.close();
      }
    });

  const topicsCommand = program
    .command('topics')
    .description('list or create topics (Kafka if PULSE_KAFKA_BROKERS is set, else a running embedded instance)');
  topicsCommand
    .command('list', { isDefault: true })
    .description('list topics with partitions and offsets')
    .action(() =>
      withTopicBrowser(async (browser) => {
        for (const topic of await browser.listTopics()) {
          const records = topic.partitions.reduce((sum, p) => sum + p.endOffset - p.startOffset, 0);
          console.log(
            `${topic.name.padEnd(32)} partitions=${topic.partitions.length} records=${records} ends=[${topic.partitions.map((p) => p.endOffset).join(',')}]`,
          );
        }
      }),
    );
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
      const bus = await kafkaBusFrom(config);
      try {
        await bus.ensureTopics(specs);
      } finally {
        await bus.close();
      }
      for (const spec of specs) console.log(`ok ${spec.name} partitions=${spec.partitions}`);
    });

  program
    .command('listen')
    .description('print records of a topic as they arrive, one JSON object a line')
    .argument('<topic>', 'e.g. user-activity')
    .addOption(new Option('--from <position>', 'start at').choices(['latest', 'earliest']).default('latest'))
    .option('--count <n>', 'stop after n records', positiveInt)
    .action((topic: string, options: { from: 'latest' | 'earliest'; count?: number }) =>
      withTopicBrowser(async (browser) => {
        const abort = new AbortController();
        process.once('SIGINT', () => abort.abort());
        console.error(`listening to ${topic} on ${browser.where} (Ctrl-C to stop)`);
        for await (const record of browser.tail(topic, { ...options, signal: abort.signal })) console.log(JSON.stringify(record));
      }),
    );

  program
    .command('send')
    .description('post sample events to a running ingest (clicks by default)')
    .option('--url <url>', 'ingest base URL (default PULSE_URL or http://127.0.0.1:$PULSE_PORT)')
    .option('--count <n>', 'number of events', positiveInt, 1)
    .option('--site <key>', 'site key', 'demo')
    .addOption(
      new Option('--type <type>', 'event type').choices(['page_view', 'click', 'form_submit', 'mouse_move', 'custom']).default('click'),
    )
    // Sample events are there to be seen: they name themselves, and that name is not a bot's; `--user-agent curl/8.0` shows the bot figures.
    .option('--user-agent <ua>', 'User-Agent the events are sent with', SAMPLE_USER_AGENT)
    .action(async (options: { url?: string; count: number; site: string; type: 'click'; userAgent: string }) => {
      const url = `${options.url ?? pulseUrl(loadConfig())}/api/events`;
      const events = sampleEvents(options.count, options.type, options.site);
      for (let i = 0; i < events.length; i += 500) {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': options.userAgent },
          body: JSON.stringify(events.slice(i, i + 500)),
        });
        const body = await response.text();
        console.log(`${response.status} ${body}`);
        if (!response.ok) process.exitCode = 1;
      }
    });

  program.addCommand(generateCommand());
  program.addCommand(shopCommand(runUntilSignal));
  program.addCommand(usersCommand());
  program.addCommand(sitesCommand());

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (error) {
    console.error(`pulse: ${error instanceof PulseError ? error.message : error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
