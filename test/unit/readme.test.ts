import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
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

test("the README's folder table names every folder of src/ and only paths that exist", async () => {
  const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('| folder'), readme.indexOf('## Two ways to run'));
  const listed = [...table.matchAll(/^\| `([^`]+)`/gm)].map((m) => (m[1] ?? '').replace(/\/$/, ''));
  const missing = listed.filter((path) => !existsSync(join(repoRoot, path)));
  assert.deepEqual(missing, [], 'paths in the table that do not exist');
  const folders = (await readdir(join(repoRoot, 'src'), { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => `src/${e.name}`);
  assert.deepEqual(
    folders.filter((folder) => !listed.includes(folder)),
    [],
    'folders of src/ missing from the table',
  );
});
