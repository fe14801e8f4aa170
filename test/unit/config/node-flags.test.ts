import assert from 'node:assert/strict';
import { test } from 'node:test';
import { missingNodeFlags } from '../../../src/config/node-flags.ts';

test('`pulse start` runs with 8 MiB semi-spaces unless the setting or the caller chose otherwise; other commands keep Node’s default', () => {
  assert.deepEqual(missingNodeFlags(['start'], [], {}), ['--max-semi-space-size=8']);
  assert.deepEqual(missingNodeFlags(['start', '--help'], ['--enable-source-maps'], {}), ['--max-semi-space-size=8']);
  assert.deepEqual(missingNodeFlags(['start'], [], { PULSE_SEMI_SPACE_MB: '32' }), ['--max-semi-space-size=32']);
  assert.deepEqual(missingNodeFlags(['start'], [], { PULSE_SEMI_SPACE_MB: ' ' }), ['--max-semi-space-size=8']);
  assert.deepEqual(missingNodeFlags(['start'], [], { PULSE_SEMI_SPACE_MB: '0' }), []);
  assert.deepEqual(missingNodeFlags(['start'], [], { PULSE_SEMI_SPACE_MB: 'lots' }), [], 'the configuration check names a wrong value');
  assert.deepEqual(missingNodeFlags(['start'], ['--max-semi-space-size=4'], {}), []);
  assert.deepEqual(missingNodeFlags(['start'], [], { NODE_OPTIONS: '--enable-source-maps --max-semi-space-size=2' }), []);
  for (const command of [['ingest'], ['worker', 'realtime'], [], ['help']])
    assert.deepEqual(missingNodeFlags(command, [], {}), [], command.join(' '));
});
