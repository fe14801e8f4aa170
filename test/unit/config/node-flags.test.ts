import assert from 'node:assert/strict';
import { test } from 'node:test';
import { missingNodeFlags, TYPESCRIPT_CACHE_IMPORT } from '../../../src/config/node-flags.ts';

const BASELINE = ['--liftoff-only', '--wasm-lazy-compilation'];
/** What the re-exec gave `pulse start`: every thread loads stripped TypeScript from the cache. */
const CACHED = ['--import', TYPESCRIPT_CACHE_IMPORT];
/** What the re-exec gave `pulse start`: V8 favouring memory over speed. */
const FOR_SIZE = '--optimize-for-size';

test('`pulse start` runs every thread with the cache of stripped TypeScript, once; other commands do not re-exec for it', () => {
  const noOther = { PULSE_SEMI_SPACE_MB: '0', PULSE_WASM_OPTIMIZE: 'true', PULSE_OPTIMIZE_FOR_SIZE: 'false' };
  assert.deepEqual(missingNodeFlags(['start'], [], noOther), CACHED);
  assert.deepEqual(missingNodeFlags(['start'], ['--enable-source-maps', ...CACHED], noOther), []);
  assert.match(TYPESCRIPT_CACHE_IMPORT, /^file:.*\/bin\/register-typescript-cache\.js$/);
  assert.deepEqual(missingNodeFlags(['ingest'], [], noOther), []);
});

test('`pulse start` runs with 4 MiB semi-spaces unless the setting or the caller chose otherwise; other commands keep Node’s default', () => {
  const optimized = { PULSE_WASM_OPTIMIZE: 'true', PULSE_OPTIMIZE_FOR_SIZE: 'false' };
  assert.deepEqual(missingNodeFlags(['start'], CACHED, optimized), ['--max-semi-space-size=4']);
  assert.deepEqual(missingNodeFlags(['start', '--help'], [...CACHED, '--enable-source-maps'], optimized), ['--max-semi-space-size=4']);
  assert.deepEqual(missingNodeFlags(['start'], CACHED, { ...optimized, PULSE_SEMI_SPACE_MB: '32' }), ['--max-semi-space-size=32']);
  assert.deepEqual(missingNodeFlags(['start'], CACHED, { ...optimized, PULSE_SEMI_SPACE_MB: ' ' }), ['--max-semi-space-size=4']);
  assert.deepEqual(missingNodeFlags(['start'], CACHED, { ...optimized, PULSE_SEMI_SPACE_MB: '0' }), []);
  assert.deepEqual(
    missingNodeFlags(['start'], CACHED, { ...optimized, PULSE_SEMI_SPACE_MB: 'lots' }),
    [],
    'the configuration check names a wrong value',
  );
  assert.deepEqual(missingNodeFlags(['start'], [...CACHED, '--max-semi-space-size=4'], optimized), []);
  assert.deepEqual(missingNodeFlags(['start'], CACHED, { ...optimized, NODE_OPTIONS: '--enable-source-maps --max-semi-space-size=2' }), []);
  for (const command of [['ingest'], ['worker', 'realtime'], [], ['help']])
    assert.deepEqual(missingNodeFlags(command, [], {}), [], command.join(' '));
});

test('`pulse start` compiles WebAssembly (PGlite) with V8’s baseline compiler unless PULSE_WASM_OPTIMIZE or a compiler flag says otherwise', () => {
  assert.deepEqual(missingNodeFlags(['start'], [...CACHED, FOR_SIZE], {}), ['--max-semi-space-size=4', ...BASELINE]);
  assert.deepEqual(missingNodeFlags(['start'], [...CACHED, FOR_SIZE], { PULSE_WASM_OPTIMIZE: 'false' }), [
    '--max-semi-space-size=4',
    ...BASELINE,
  ]);
  assert.deepEqual(missingNodeFlags(['start'], [...CACHED, FOR_SIZE], { PULSE_SEMI_SPACE_MB: '0' }), BASELINE);
  for (const on of ['true', 'TRUE', ' 1 '])
    assert.deepEqual(missingNodeFlags(['start'], [...CACHED, FOR_SIZE], { PULSE_SEMI_SPACE_MB: '0', PULSE_WASM_OPTIMIZE: on }), [], on);
  // The caller's own choice on the command line wins, either way; after the re-exec nothing is missing.
  for (const flag of ['--liftoff-only', '--no-liftoff', '--no-wasm-lazy-compilation', '--wasm-tier-up'])
    assert.deepEqual(missingNodeFlags(['start'], [...CACHED, FOR_SIZE, '--max-semi-space-size=8', flag], {}), [], flag);
  assert.deepEqual(missingNodeFlags(['start'], [...CACHED, FOR_SIZE, '--max-semi-space-size=8', ...BASELINE], {}), []);
  assert.deepEqual(missingNodeFlags(['ingest'], [], {}), [], 'other commands keep V8’s defaults');
});

test('`pulse start` runs V8 optimising for size only when PULSE_OPTIMIZE_FOR_SIZE=true, unless the caller chose', () => {
  const only = { PULSE_SEMI_SPACE_MB: '0', PULSE_WASM_OPTIMIZE: 'true' };
  assert.deepEqual(missingNodeFlags(['start'], CACHED, only), [], 'off by default: it halves events/s under a heavy load');
  for (const on of ['true', 'TRUE', ' 1 '])
    assert.deepEqual(missingNodeFlags(['start'], CACHED, { ...only, PULSE_OPTIMIZE_FOR_SIZE: on }), [FOR_SIZE], on);
  assert.deepEqual(missingNodeFlags(['start'], CACHED, { ...only, PULSE_OPTIMIZE_FOR_SIZE: 'false' }), []);
  assert.deepEqual(missingNodeFlags(['start'], [...CACHED, '--no-optimize-for-size'], { ...only, PULSE_OPTIMIZE_FOR_SIZE: 'true' }), []);
  assert.deepEqual(
    missingNodeFlags(['start'], [...CACHED, FOR_SIZE], { ...only, PULSE_OPTIMIZE_FOR_SIZE: 'true' }),
    [],
    'after the re-exec nothing is missing',
  );
  assert.deepEqual(missingNodeFlags(['ingest'], [], { PULSE_OPTIMIZE_FOR_SIZE: 'true' }), []);
});
