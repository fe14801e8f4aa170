import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ingestTopicSpecs } from '../../src/bus/topics.ts';
import { kafkaBrokers, loadConfig, pulseUrl, siteKeys } from '../../src/config/config.ts';
import { kafkaSecurityFrom } from '../../src/runtime/kafka-security.ts';
import { errorCodes, isPulseError } from '../../src/shared/errors.ts';

test('defaults apply when nothing is set', () => {
  const config = loadConfig({});
  assert.equal(config.PULSE_PORT, 8080);
  assert.equal(config.PULSE_HOST, '127.0.0.1');
  assert.equal(config.PULSE_DATA_DIR, './data');
  assert.equal(config.PULSE_ANONYMIZE_IP, false);
  assert.equal(config.PULSE_KAFKA_BROKERS, undefined);
  assert.deepEqual(siteKeys(config), new Set(['demo']));
});

test('values are coerced from strings', () => {
  const config = loadConfig({ PULSE_PORT: '9001', PULSE_ANONYMIZE_IP: 'true', PULSE_SITES: '*', PULSE_KAFKA_BROKERS: 'a:1,b:2' });
  assert.equal(config.PULSE_PORT, 9001);
  assert.equal(config.PULSE_ANONYMIZE_IP, true);
  assert.equal(siteKeys(config), 'any');
  assert.deepEqual(kafkaBrokers(config), ['a:1', 'b:2']);
});

test('a wrong value stops start-up with a message naming the variable', () => {
  assert.throws(
    () => loadConfig({ PULSE_PORT: 'eighty' }),
    (error: unknown) => isPulseError(error) && /PULSE_PORT="eighty": must be integer/.test(error.message),
  );
  assert.throws(() => loadConfig({ PULSE_PORT: '70000' }), /PULSE_PORT="70000": must be <= 65535/);
  assert.throws(() => loadConfig({ PULSE_LOG_LEVEL: 'loud' }), /PULSE_LOG_LEVEL/);
  assert.throws(() => loadConfig({ PULSE_KAFKA_BROKERS: 'a:1,,b:2' }), /PULSE_KAFKA_BROKERS/);
});

test('a misspelt variable is an error, not silently ignored', () => {
  assert.throws(() => loadConfig({ PULSE_PROT: '8080' }), /unknown configuration variable\(s\): PULSE_PROT/);
});

test('distributed commands require brokers', () => {
  assert.throws(() => kafkaBrokers(loadConfig({})), /PULSE_KAFKA_BROKERS must be set/);
});

test('an origin the pattern lets through but no browser can have stops start-up, naming PULSE_CORS_ORIGINS', () => {
  assert.throws(
    () => loadConfig({ PULSE_CORS_ORIGINS: 'demo=https://shop.example,https://exa%zzmple' }),
    (error: unknown) => isPulseError(error, errorCodes.CONFIG_INVALID) && /PULSE_CORS_ORIGINS: "https:\/\/exa%zzmple"/.test(error.message),
  );
  assert.equal(loadConfig({ PULSE_CORS_ORIGINS: 'demo=https://shop.example' }).PULSE_CORS_ORIGINS, 'demo=https://shop.example');
});

test('PULSE_URL and PULSE_TOPIC_PREFIX are settings of the schema; a service URL Pulse does not use is unknown', () => {
  const config = loadConfig({ PULSE_URL: 'http://127.0.0.1:9000', PULSE_TOPIC_PREFIX: 'staging.' });
  assert.equal(pulseUrl(config), 'http://127.0.0.1:9000');
  assert.equal(pulseUrl(loadConfig({ PULSE_PORT: '9100' })), 'http://127.0.0.1:9100');
  assert.deepEqual(
    ingestTopicSpecs(config).map((s) => s.name),
    [
      'staging.user-activity',
      'staging.user-activity.dlq',
      'staging.mouse-coordinates',
      'staging.mouse-coordinates.dlq',
      'staging.page-views',
      'staging.page-views.dlq',
    ],
  );
  assert.throws(() => loadConfig({ PULSE_URL: 'localhost:8080' }), /PULSE_URL="localhost:8080"/);
  assert.throws(() => loadConfig({ PULSE_TOPIC_PREFIX: 'bad prefix' }), /PULSE_TOPIC_PREFIX="bad prefix"/);
  assert.throws(
    () => loadConfig({ PULSE_ELASTICSEARCH_URL: 'http://127.0.0.1:9200' }),
    /unknown configuration variable\(s\): PULSE_ELASTICSEARCH_URL/,
  );
  assert.equal(loadConfig({ PULSE_OPENSEARCH_URL: 'http://127.0.0.1:9200' }).PULSE_OPENSEARCH_URL, 'http://127.0.0.1:9200');
  assert.throws(() => loadConfig({ PULSE_OPENSEARCH_URL: '127.0.0.1:9200' }), /PULSE_OPENSEARCH_URL="127.0.0.1:9200"/);
});

test('Kafka security settings must make one whole, and a password never appears in a message', () => {
  const base = { PULSE_KAFKA_BROKERS: '127.0.0.1:9093' };
  const ok = loadConfig({
    ...base,
    PULSE_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    PULSE_KAFKA_USERNAME: 'pulse-ingest',
    PULSE_KAFKA_PASSWORD: 's3cret-pass',
  });
  assert.equal(ok.PULSE_KAFKA_USERNAME, 'pulse-ingest');
  const refused = (env: Record<string, string>, pattern: RegExp) =>
    assert.throws(
      () => loadConfig({ ...base, ...env }),
      (error: unknown) =>
        isPulseError(error, errorCodes.CONFIG_INVALID) && pattern.test(error.message) && !error.message.includes('s3cret-pass'),
    );
  refused({ PULSE_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', PULSE_KAFKA_PASSWORD: 's3cret-pass' }, /needs PULSE_KAFKA_USERNAME/);
  refused(
    { PULSE_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', PULSE_KAFKA_USERNAME: 'u' },
    /exactly one of PULSE_KAFKA_PASSWORD, PULSE_KAFKA_PASSWORD_FILE/,
  );
  refused(
    {
      PULSE_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      PULSE_KAFKA_USERNAME: 'u',
      PULSE_KAFKA_PASSWORD: 's3cret-pass',
      PULSE_KAFKA_PASSWORD_FILE: '/p',
    },
    /exactly one of/,
  );
  refused({ PULSE_KAFKA_USERNAME: 'u', PULSE_KAFKA_PASSWORD: 's3cret-pass' }, /need PULSE_KAFKA_SASL_MECHANISM/);
  refused(
    { PULSE_KAFKA_SASL_MECHANISM: 'GSSAPI', PULSE_KAFKA_USERNAME: 'u', PULSE_KAFKA_PASSWORD: 's3cret-pass' },
    /PULSE_KAFKA_SASL_MECHANISM="GSSAPI"/,
  );
  refused({ PULSE_KAFKA_CERT_FILE: '/c.pem' }, /PULSE_KAFKA_CERT_FILE and PULSE_KAFKA_KEY_FILE go together/);
  refused({ PULSE_KAFKA_PASSWORD: '', PULSE_KAFKA_TLS: 'maybe', PULSE_ADMIN_TOKEN: 's3cret-pass' }, /PULSE_ADMIN_TOKEN=<hidden>/);
});

test('security files are read at start-up; one that cannot be read is named, its contents never', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pulse-kafka-sec-'));
  try {
    await writeFile(join(dir, 'password'), 's3cret-pass\nignored\n');
    await writeFile(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const config = loadConfig({
      PULSE_KAFKA_BROKERS: '127.0.0.1:9093',
      PULSE_KAFKA_CA_FILE: join(dir, 'ca.pem'),
      PULSE_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      PULSE_KAFKA_USERNAME: 'pulse-ingest',
      PULSE_KAFKA_PASSWORD_FILE: join(dir, 'password'),
    });
    const security = kafkaSecurityFrom(config);
    assert.deepEqual(security.sasl, { mechanism: 'SCRAM-SHA-512', username: 'pulse-ingest', password: 's3cret-pass' });
    assert.equal(security.tls?.rejectUnauthorized, true);
    assert.match(String(security.tls?.ca), /BEGIN CERTIFICATE/);
    assert.deepEqual(kafkaSecurityFrom(loadConfig({ PULSE_KAFKA_BROKERS: '127.0.0.1:9092' })), {}, 'plaintext without settings');
    assert.throws(
      () => kafkaSecurityFrom({ ...config, PULSE_KAFKA_CA_FILE: join(dir, 'missing.pem') }),
      (error: unknown) =>
        isPulseError(error, errorCodes.CONFIG_INVALID) && /PULSE_KAFKA_CA_FILE: cannot read .*missing\.pem \(ENOENT\)/.test(error.message),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
