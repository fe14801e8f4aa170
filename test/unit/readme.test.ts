import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { configSchema } from '../../src/config/config.ts';
import { repoRoot } from '../helpers/services.ts';

test('the README documents every PULSE_* setting and starts with the two set-up commands', async () => {
  const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
  const missing = Object.keys(configSchema.properties).filter((name) => !readme.includes(`\`${name}\``));
  assert.deepEqual(missing, [], 'settings missing from the README configuration table');
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  assert.deepEqual(
    firstBlock
      .trim()
      .split('\n')
      .map((line) => line.split('#')[0]?.trim()),
    ['npm install && npm start', 'npm install && npm test'],
  );
});
