import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
// @ts-expect-error: plain JavaScript without declarations (it runs before any TypeScript can load)
import { strippedSource } from '../../../bin/typescript-cache.js';

const strip = strippedSource as (dir: string, url: string, source: string) => string;
const run = promisify(execFile);

async function scratch(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pulse-typescript-cache-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('a source is stripped once: the cached text answers while the source is unchanged, an edit is stripped again', async (t) => {
  const dir = await scratch(t);
  const cache = join(dir, 'cache');
  const url = 'file:///app/src/answer.ts';
  const source = 'export const answer: number = 42;\nexport function twice(n: number): number {\n  return n * 2;\n}\n';

  const first = strip(cache, url, source);
  assert.match(first, /^export const answer {9}= 42;\n/);
  assert.doesNotMatch(first.split('//#')[0]!, /: number/, 'types are gone');
  assert.equal(first.indexOf('return n * 2;'), source.indexOf('return n * 2;'), 'whitespace keeps every column');
  const module = join(dir, 'answer.mjs');
  await writeFile(module, first);
  const loaded = (await import(pathToFileURL(module).href)) as { answer: number; twice: (n: number) => number };
  assert.equal(loaded.answer, 42);
  assert.equal(loaded.twice(21), 42);

  const [file, ...others] = await readdir(cache);
  assert.ok(file !== undefined && others.length === 0, 'one file per module');
  // What is in the cache answers: altered on disk with the same stamp, it is what comes back.
  await writeFile(join(cache, file), first.replace('= 42', '= 43'));
  assert.equal(strip(cache, url, source), first.replace('= 42', '= 43'));

  const edited = strip(cache, url, source.replace('42', '7'));
  assert.match(edited, /export const answer {9}= 7;/);
  assert.deepEqual(await readdir(cache), [file], 'an edit overwrites the module’s file');
  assert.equal(await readFile(join(cache, file), 'utf8'), edited);
});

test('a cache that cannot be written only costs the stripping', async (t) => {
  const dir = await scratch(t);
  const blocker = join(dir, 'not-a-directory');
  await writeFile(blocker, '');
  const stripped = strip(join(blocker, 'cache'), 'file:///app/a.ts', 'export const a: string = "a";\n');
  assert.match(stripped, /^export const a {9}= "a";/);
});

test('with the cache warm, neither the main thread nor a worker thread loads Node’s TypeScript stripper', async (t) => {
  const dir = await scratch(t);
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }');
  await writeFile(
    join(dir, 'threads.ts'),
    `import { Worker, isMainThread, parentPort } from 'node:worker_threads';
const stripperLoaded = (): boolean => process.moduleLoadList.some((name: string) => name.includes('amaro'));
if (isMainThread) {
  const worker = new Worker(new URL(import.meta.url));
  worker.once('message', (inWorker: boolean) => console.log(JSON.stringify({ main: stripperLoaded(), worker: inWorker })));
} else {
  parentPort!.postMessage(stripperLoaded());
}
`,
  );
  const register = new URL('../../../bin/register-typescript-cache.js', import.meta.url).href;
  const start = async (): Promise<{ main: boolean; worker: boolean }> => {
    const { stdout } = await run(process.execPath, ['--import', register, join(dir, 'threads.ts')], {
      env: { ...process.env, PULSE_CACHE_DIR: join(dir, 'cache') },
      timeout: 60_000,
    });
    return JSON.parse(stdout) as { main: boolean; worker: boolean };
  };
  // The first start strips (and loads the stripper once, in the thread that found the cache cold).
  assert.equal((await start()).worker, false, 'the worker found what the main thread had just cached');
  assert.deepEqual(await start(), { main: false, worker: false });
});
