import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ingestTopicSpecs } from '../../src/bus/topics.ts';
import { kafkaBrokers, loadConfig, pulseUrl, siteKeys } from '../../src/config/config.ts';
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
    () => loadConfig({ PULSE_OPENSEARCH_URL: 'http://127.0.0.1:9200' }),
    /unknown configuration variable\(s\): PULSE_OPENSEARCH_URL/,
  );
});
