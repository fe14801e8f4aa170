import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Fields that never reach a log line: credentials in headers and anything named like a secret. */
const secretFields = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'password',
  'token',
  'secret',
  'apiKey',
  'adminToken',
  'PULSE_ADMIN_TOKEN',
  'PULSE_KAFKA_PASSWORD',
];
const headerFields = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'];
const member = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `["${name}"]`);

/**
 * pino `redact` paths: each secret field at the top of a logged object and one level down
 * (`{ password }`, `{ sasl: { password } }`, `{ headers: { cookie } }`), and the credential headers
 * of any logged request or response (`{ req: { headers: { authorization } } }`). Deeper wildcards are
 * left out: each level multiplies the cost of every log line. Request bodies are never logged at
 * all: Fastify's request serializer has method, URL, host and address only, and ingest turns its
 * request logging off, so what a visitor sent stays out of the logs.
 */
export const redactedPaths: readonly string[] = [
  ...secretFields.map((name) => member(name).replace(/^\./, '')),
  ...secretFields.map((name) => `*${member(name)}`),
  ...headerFields.map((name) => `*.headers${member(name)}`),
];

/** What a redacted value is replaced with. */
export const REDACTED = '[redacted]';

/** The process's logger (JSON lines on stdout, or on `destination`), with secrets redacted. */
export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  const options = { level, name, base: { pid: process.pid }, redact: { paths: [...redactedPaths], censor: REDACTED } };
  return destination === undefined ? pino(options) : pino(options, destination);
}
