import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kafkaBrokers, loadConfig, siteKeys } from '../../src/config/config.ts';
import { isPulseError } from '../../src/shared/errors.ts';

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
