import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const TESTS = 2000;

test("scripts/test's runner, with its forced exit, reports every verdict of a file of 2,000 tests, three times out of three", async () => {
  const script = await readFile(join(root, 'scripts/test'), 'utf8');
  const [invocation] = /node --import \S+ --test .*--test-force-exit/.exec(script) ?? [];
  assert.ok(invocation !== undefined, 'scripts/test runs node --test with an --import before --test-force-exit');
  const preload = join(root, /--import (\S+)/.exec(invocation)?.[1] ?? '');
  const dir = await mkdtemp(join(tmpdir(), 'pulse-report-pipe-'));
  try {
    const file = join(dir, 'many.test.mjs');
    const body = Array.from({ length: TESTS }, (_, i) => `test('t${i}', () => {});`).join('\n');
    await writeFile(file, `import { test } from 'node:test';\n${body}\n`);
    for (let round = 0; round < 3; round += 1) {
      const { stdout } = await run(
        process.execPath,
        ['--import', preload, '--test', '--test-force-exit', '--test-concurrency=2', '--test-reporter=tap', file],
        // Without NODE_TEST_CONTEXT the nested runner reports as a runner, not as a child of this one.
        { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NODE_TEST_CONTEXT: undefined } },
      );
      assert.match(stdout, new RegExp(`^# pass ${TESTS}$`, 'm'), `round ${round + 1}: every verdict reached the runner`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
