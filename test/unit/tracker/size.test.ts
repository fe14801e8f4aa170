import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { buildTracker } from '../../../tracker/build.ts';

const api = [
  'init',
  'start',
  'stop',
  'track',
  'identify',
  'reset',
  'setMouseTracking',
  'initMouseTracker',
  'stopMouseTracker',
  'optOut',
  'optIn',
  'isOptedOut',
  'flush',
  'onEvent',
  'getState',
];

test('t.js (the <script> build) is at most 5 KB gzipped', async (t) => {
  const { iife } = await buildTracker();
  const gzipped = gzipSync(iife).length; // default level: what a server compressing on the fly sends
  t.diagnostic(`t.js: ${Buffer.byteLength(iife)} bytes, ${gzipped} gzipped`);
  assert.ok(gzipped <= 5 * 1024, `t.js is ${gzipped} bytes gzipped, over the 5 KB budget`);
  assert.ok(!iife.includes('\n  '), 't.js is minified');
});

test('the ES module exports the API; the script build is self-contained', async () => {
  const { esm, iife } = await buildTracker();
  const exported = /export\s*\{([^}]*)\}/.exec(esm)?.[1] ?? '';
  for (const name of [...api, 'pulse', 'default']) assert.match(exported, new RegExp(`\\b${name}\\b`), `pulse.esm.js exports ${name}`);
  assert.doesNotMatch(iife, /^\s*(import|export)\b/m);
});

test('loading t.js where there is no DOM throws nothing', async () => {
  const { iife } = await buildTracker();
  assert.doesNotThrow(() => runInNewContext(iife, {}));
  assert.doesNotThrow(() => runInNewContext(iife, { window: {}, document: {} }));
});
