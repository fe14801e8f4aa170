import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { FALLBACK_SITE } from '../contract/derived-fields.ts';
import { siteKeySource } from '../contract/site-key.ts';
import { PulseError, errorCodes } from '../shared/errors.ts';
import { originPolicy } from './cors-origins.ts';
import { DEFAULT_EMBEDDED_SEMI_SPACE_MB } from './node-flags.ts';

/**
 * Every PULSE_* setting, with its default and meaning. The README's
 * configuration table is written from this schema's descriptions.
 */
export const configSchema = Type.Object({
  PULSE_HOST: Type.String({ default: '127.0.0.1', description: 'Address the HTTP server binds to (0.0.0.0 to expose it).' }),
  PULSE_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'HTTP port of `pulse start` / `pulse ingest`.' }),
  PULSE_DATA_DIR: Type.String({ minLength: 1, default: './data', description: 'Embedded mode: where the log and databases are kept.' }),
  PULSE_EMBEDDED_ENGINE: Type.Union([Type.Literal('auto'), Type.Literal('sqlite'), Type.Literal('pglite')], {
    default: 'auto',
    description:
      '`pulse start` and the offline CLI: where embedded mode keeps its history and accounts. sqlite: PULSE_DATA_DIR/warehouse.sqlite and accounts.sqlite (the shop’s search index opens PGlite on its first use only); pglite: PULSE_DATA_DIR/pglite for all of them (the only choice before 2026-12-02); auto: pglite for a data directory an earlier Pulse made with PGlite, sqlite otherwise.',
  }),
  PULSE_SEMI_SPACE_MB: Type.Integer({
    minimum: 0,
    maximum: 1024,
    default: DEFAULT_EMBEDDED_SEMI_SPACE_MB,
    description:
      '`pulse start` only: MiB per V8 semi-space (its young generation); small keeps the resident memory of a small box low, 0 leaves Node’s default (larger, a little faster under heavy load).',
  }),
  PULSE_OPTIMIZE_FOR_SIZE: Type.Boolean({
    default: false,
    description:
      '`pulse start` only: run V8 with `--optimize-for-size` (its heap grows by smaller steps and gives memory back sooner: ~30–50 MiB less resident after start and after light traffic) for about half the events a second under a heavy load; the flag or `--no-optimize-for-size` on the command line wins.',
  }),
  PULSE_WASM_OPTIMIZE: Type.Boolean({
    default: false,
    description:
      '`pulse start` only: let V8 optimise PGlite’s WebAssembly (30–40% more events/s end to end and faster History reads, for a peak ~400 MiB higher); off, it runs on V8’s baseline compiler.',
  }),
  PULSE_LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info', description: 'pino log level.' },
  ),
  PULSE_KAFKA_BROKERS: Type.Optional(
    Type.String({ pattern: '^[^,\\s]+(,[^,\\s]+)*$', description: 'Comma-separated host:port list; required by distributed commands.' }),
  ),
  PULSE_KAFKA_CLIENT_ID: Type.String({ minLength: 1, default: 'pulse', description: 'Kafka client id prefix.' }),
  PULSE_KAFKA_TLS: Type.Boolean({
    default: false,
    description: 'Connect to Kafka over TLS (implied by PULSE_KAFKA_CA_FILE); the broker certificate is always verified.',
  }),
  PULSE_KAFKA_CA_FILE: Type.Optional(
    Type.String({ minLength: 1, description: 'PEM file of the CA that signed the brokers’ certificates (else the system CAs).' }),
  ),
  PULSE_KAFKA_CERT_FILE: Type.Optional(
    Type.String({ minLength: 1, description: 'PEM client certificate for TLS client authentication (with PULSE_KAFKA_KEY_FILE).' }),
  ),
  PULSE_KAFKA_KEY_FILE: Type.Optional(Type.String({ minLength: 1, description: 'PEM private key of PULSE_KAFKA_CERT_FILE.' })),
  PULSE_KAFKA_SASL_MECHANISM: Type.Optional(
    Type.Union([Type.Literal('PLAIN'), Type.Literal('SCRAM-SHA-256'), Type.Literal('SCRAM-SHA-512')], {
      description: 'SASL mechanism for Kafka authentication; needs PULSE_KAFKA_USERNAME and a password.',
    }),
  ),
  PULSE_KAFKA_USERNAME: Type.Optional(Type.String({ minLength: 1, description: 'Kafka SASL user (the service principal).' })),
  PULSE_KAFKA_PASSWORD: Type.Optional(
    Type.String({ minLength: 1, description: 'Kafka SASL password; prefer PULSE_KAFKA_PASSWORD_FILE. Never logged.' }),
  ),
  PULSE_KAFKA_PASSWORD_FILE: Type.Optional(
    Type.String({ minLength: 1, description: 'File holding the Kafka SASL password (its first line).' }),
  ),
  PULSE_REDIS_URL: Type.Optional(
    Type.String({
      pattern: '^rediss?(\\+cluster)?://',
      description:
        'Redis for live aggregates; required by `pulse worker realtime` and `pulse dashboard`. One node: `redis://[user:password@]host:port[/db]`; ' +
        'a Redis Cluster: several seeds, `redis://host1:port1,host2:port2,…`, or `redis+cluster://host:port` (one seed is enough); `rediss` for TLS.',
    }),
  ),
  PULSE_POSTGRES_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'PostgreSQL for history (warehouse).' })),
  PULSE_CLICKHOUSE_URL: Type.Optional(
    Type.String({ pattern: '^https?://', description: 'ClickHouse HTTP URL for history; when set, history queries are served from it.' }),
  ),
  PULSE_OPENSEARCH_URL: Type.Optional(
    Type.String({
      pattern: '^https?://',
      description:
        'OpenSearch for the marketplace search (`filtered_products`, `client_queries`); required by `pulse worker search`, and ' +
        '`pulse dashboard` serves the shop API when it is set. Embedded mode uses PostgreSQL full-text search on PGlite instead.',
    }),
  ),
  PULSE_WORKER_BATCH: Type.Integer({
    minimum: 1,
    maximum: 10_000,
    default: 500,
    description: 'Most records a worker handles in one batch (warehouse workers: PULSE_WAREHOUSE_BATCH).',
  }),
  PULSE_REALTIME_CONSUMERS: Type.Integer({
    minimum: 1,
    maximum: 32,
    default: 1,
    description:
      "`pulse worker realtime` only: members of the realtime consumer group in one process, sharing its Redis client. One member waits for each batch's round trip to Redis before the next; two overlap them (more members than partitions stay idle).",
  }),
  PULSE_WAREHOUSE_BATCH: Type.Integer({
    minimum: 1,
    maximum: 10_000,
    default: 5000,
    description:
      'Most records a warehouse worker writes in one batch. A batch is as large as the backlog allows, so this only matters while catching up, when larger batches write more rows a second.',
  }),
  PULSE_SINK_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    default: 30_000,
    description:
      'Longest a worker waits for one store write before it counts as failed and is tried again (a store client can wait forever on a connection that will never answer).',
  }),
  PULSE_PARTITIONS: Type.Integer({ minimum: 1, maximum: 1000, default: 3, description: 'Partitions of each topic Pulse creates.' }),
  PULSE_REPLICATION_FACTOR: Type.Integer({
    minimum: 1,
    maximum: 10,
    default: 1,
    description: 'Replication factor of the topics Pulse creates (Kafka only).',
  }),
  PULSE_SITES: Type.String({
    pattern: `^\\*$|^${siteKeySource}(,${siteKeySource})*$`,
    default: 'demo',
    description:
      'Comma-separated site keys Pulse collects for, kept as site records from the first start on (add more with `pulse sites add` or the dashboard), or * to accept any key.',
  }),
  PULSE_DEFAULT_SITE: Type.Optional(
    Type.String({
      pattern: `^${siteKeySource}$`,
      description:
        'Site key of events that name none: activity records in the `{user_id, action, page, timestamp}` shape written straight to Kafka, and coordinate and click posts without a site. Default: the first key of PULSE_SITES (`demo` when it is *).',
    }),
  ),
  PULSE_COUNT_BOTS_SITES: Type.Optional(
    Type.String({
      pattern: `^${siteKeySource}(,${siteKeySource})*$`,
      description:
        'Comma-separated site keys whose figures count bot and automation traffic too; by default it is left out of every figure (live and history) and shown apart as the bots figures.',
    }),
  ),
  PULSE_ANONYMIZE_IP: Type.Boolean({ default: false, description: 'Zero the last IPv4 octet / keep an IPv6 /48 before storing.' }),
  PULSE_TRUST_PROXY: Type.Boolean({ default: false, description: 'Take the client IP from X-Forwarded-For (behind a reverse proxy).' }),
  PULSE_MAX_BODY_BYTES: Type.Integer({ minimum: 1024, default: 1_048_576, description: 'Largest accepted request body.' }),
  PULSE_MAX_BATCH: Type.Integer({ minimum: 1, maximum: 10_000, default: 500, description: 'Most events accepted in one request.' }),
  PULSE_INGEST_PROCESSES: Type.Integer({
    minimum: 1,
    maximum: 64,
    default: 1,
    description:
      '`pulse ingest` only: how many ingest processes serve PULSE_PORT (node:cluster), one per core it may use; /metrics answers for all of them together and the rate limits are split evenly between them.',
  }),
  PULSE_RATE_LIMIT_PER_MINUTE: Type.Integer({
    minimum: 0,
    default: 6000,
    description: 'Requests per client IP per minute on /api/*; 0 disables.',
  }),
  PULSE_SITE_RATE_LIMIT_PER_MINUTE: Type.Integer({
    minimum: 0,
    default: 60_000,
    description:
      'Events per site key per minute on the collect routes, from all client IPs together (per ingest process); 0 disables. ' +
      'The default, 1,000 events/s, covers a busy site and is about 2% of what one ingest process takes, so one flooded key cannot starve the others.',
  }),
  PULSE_ADMIN_TOKEN: Type.Optional(
    Type.String({
      minLength: 16,
      description:
        'The deployment’s own admin credential: `Authorization: Bearer <token>` acts as an admin on every API (for scripts and the CLI). People sign in with accounts (`pulse users`).',
    }),
  ),
  PULSE_ALERT_WEBHOOK_TOKEN: Type.Optional(
    Type.String({
      minLength: 16,
      description:
        'If set, the Alertmanager webhook (POST /api/alerts/webhook) needs `Authorization: Bearer <token>` (Alertmanager: `http_config.authorization.credentials`); its own token, so Alertmanager never holds an admin credential.',
    }),
  ),
  PULSE_METRICS_TOKEN: Type.Optional(
    Type.String({
      minLength: 16,
      description: 'If set, GET /metrics needs `Authorization: Bearer <token>` (Prometheus: `authorization.credentials`).',
    }),
  ),
  PULSE_PRODUCE_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 5000,
    description: 'How long ingest waits for the broker before answering 503.',
  }),
  PULSE_TRACKER_PATH: Type.String({
    pattern: '^/[A-Za-z0-9._~-][A-Za-z0-9._~/-]{0,200}$',
    default: '/t.js',
    description:
      'Another path that serves the tracker script besides /t.js, so a site can load it under a first-party name (e.g. /assets/app.js).',
  }),
  PULSE_COLLECT_PATH: Type.Optional(
    Type.String({
      pattern: '^/[A-Za-z0-9._~-][A-Za-z0-9._~/-]{0,200}$',
      description:
        'Another path that accepts what POST /api/events accepts (e.g. /c), for a first-party collect path; /api/events keeps working.',
    }),
  ),
  PULSE_CORS_ORIGINS: Type.String({
    pattern: `^\\*$|^(${siteKeySource}=)?https?://[^,\\s/]+(,(${siteKeySource}=)?https?://[^,\\s/]+)*$`,
    default: '*',
    description:
      'Origins whose pages may send events: * for any, or a comma-separated list of origins, each for every site (https://shop.example) or for one site key (demo=https://demo.example).',
  }),
  PULSE_DEMO: Type.Boolean({ default: true, description: 'Serve the demo site at /demo/.' }),
  PULSE_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^\\s]+$',
      description: 'Where CLI commands find a running embedded Pulse (default http://127.0.0.1:$PULSE_PORT).',
    }),
  ),
  PULSE_TOPIC_PREFIX: Type.String({
    pattern: '^[A-Za-z0-9._-]{0,100}$',
    default: '',
    description: 'Prefix of every topic name Pulse uses (e.g. `staging.`), so several installations or test runs share one Kafka.',
  }),
  PULSE_CACHE_DIR: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'Where the scripts keep downloaded jars and packages, and embedded Pulse the template it makes new PGlite databases from and its stripped TypeScript modules (default ~/.cache/pulse).',
    }),
  ),
});

export type Config = Static<typeof configSchema>;

export function kafkaBrokers(config: Config): string[] {
  if (config.PULSE_KAFKA_BROKERS === undefined) {
    throw new PulseError(errorCodes.CONFIG_INVALID, 'PULSE_KAFKA_BROKERS must be set for this command (e.g. 127.0.0.1:9092)');
  }
  return config.PULSE_KAFKA_BROKERS.split(',');
}

export function redisUrl(config: Config): string {
  if (config.PULSE_REDIS_URL === undefined) {
    throw new PulseError(errorCodes.CONFIG_INVALID, 'PULSE_REDIS_URL must be set for this command (e.g. redis://127.0.0.1:6379)');
  }
  return config.PULSE_REDIS_URL;
}

/** The site keys that may send events, or 'any'. */
export type SiteSet = ReadonlySet<string> | 'any';

export function siteKeys(config: Config): SiteSet {
  return config.PULSE_SITES === '*' ? 'any' : new Set(config.PULSE_SITES.split(','));
}

/** The site of events that name none (PULSE_DEFAULT_SITE, else the first of PULSE_SITES, else FALLBACK_SITE). */
export function defaultSite(config: Config): string {
  if (config.PULSE_DEFAULT_SITE !== undefined) return config.PULSE_DEFAULT_SITE;
  const first = config.PULSE_SITES === '*' ? undefined : config.PULSE_SITES.split(',')[0];
  return first ?? FALLBACK_SITE;
}

/** The site keys whose figures count bot and automation traffic (PULSE_COUNT_BOTS_SITES). */
export function countBotsSites(config: Config): string[] {
  return config.PULSE_COUNT_BOTS_SITES === undefined ? [] : config.PULSE_COUNT_BOTS_SITES.split(',');
}

const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true, strict: false });
const validate = ajv.compile<Config>(configSchema);
const knownKeys = new Set(Object.keys(configSchema.properties));

/** Reads PULSE_* variables; any wrong value stops start-up with the variable's name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith('PULSE_') || value === undefined || value === '') continue;
    if (knownKeys.has(key)) raw[key] = value;
    // PULSE_STACK_*, PULSE_CLUSTER_* and PULSE_TEST_* belong to the service scripts and the test suite, not to Pulse.
    else if (!['PULSE_STACK_', 'PULSE_CLUSTER_', 'PULSE_TEST_'].some((prefix) => key.startsWith(prefix))) unknown.push(key);
  }
  const given = { ...raw }; // Ajv coerces in place; messages quote what the user wrote
  if (!validate(raw)) {
    const problems = (validate.errors ?? []).map((e) => {
      const variable = e.instancePath.replace(/^\//, '') || String(e.params['missingProperty'] ?? '');
      const shown = secretVariables.has(variable) ? '<hidden>' : JSON.stringify(given[variable]);
      return `${variable}=${shown}: ${e.message ?? 'invalid'}`;
    });
    throw new PulseError(errorCodes.CONFIG_INVALID, `invalid configuration: ${[...new Set(problems)].join('; ')}`);
  }
  if (unknown.length > 0) {
    throw new PulseError(errorCodes.CONFIG_INVALID, `unknown configuration variable(s): ${unknown.join(', ')} (see README, Configuration)`);
  }
  const config = raw as Config;
  originPolicy(config.PULSE_CORS_ORIGINS); // parsed now so a wrong origin stops start-up, not the first request
  checkKafkaSecurity(config);
  return config;
}

/** Settings whose values never appear in messages. */
const secretVariables: ReadonlySet<string> = new Set([
  'PULSE_KAFKA_PASSWORD',
  'PULSE_ADMIN_TOKEN',
  'PULSE_METRICS_TOKEN',
  'PULSE_ALERT_WEBHOOK_TOKEN',
]);

/** The Kafka security settings must make one whole: a mechanism with its user and one password source, a key with its certificate. */
function checkKafkaSecurity(config: Config): void {
  const problems: string[] = [];
  const sasl = config.PULSE_KAFKA_SASL_MECHANISM !== undefined;
  const passwords = [config.PULSE_KAFKA_PASSWORD, config.PULSE_KAFKA_PASSWORD_FILE].filter((v) => v !== undefined).length;
  if (sasl && config.PULSE_KAFKA_USERNAME === undefined) problems.push('PULSE_KAFKA_SASL_MECHANISM needs PULSE_KAFKA_USERNAME');
  if (sasl && passwords !== 1)
    problems.push('PULSE_KAFKA_SASL_MECHANISM needs exactly one of PULSE_KAFKA_PASSWORD, PULSE_KAFKA_PASSWORD_FILE');
  if (!sasl && (config.PULSE_KAFKA_USERNAME !== undefined || passwords > 0)) {
    problems.push('PULSE_KAFKA_USERNAME / PULSE_KAFKA_PASSWORD(_FILE) need PULSE_KAFKA_SASL_MECHANISM');
  }
  if ((config.PULSE_KAFKA_CERT_FILE === undefined) !== (config.PULSE_KAFKA_KEY_FILE === undefined)) {
    problems.push('PULSE_KAFKA_CERT_FILE and PULSE_KAFKA_KEY_FILE go together');
  }
  if (problems.length > 0) throw new PulseError(errorCodes.CONFIG_INVALID, `invalid configuration: ${problems.join('; ')}`);
}

/** Where CLI commands reach a running embedded instance. */
export function pulseUrl(config: Config): string {
  return config.PULSE_URL ?? `http://127.0.0.1:${config.PULSE_PORT}`;
}
