import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, spawnPulse, testAdminToken, waitForHealth, type PulseProcess } from '../helpers/services.ts';

/**
 * The OpenAPI document is the API's exact contract: Schemathesis (scripts/schemathesis) generates
 * requests from /openapi.json of an embedded Pulse (`pulse start`), valid and invalid ones, and
 * checks every answer against the document (`--checks all`): documented status codes, content
 * types, headers and bodies, no 5xx, invalid requests refused, valid ones accepted, 405 for
 * undeclared methods. Exceptions are listed in `config` below and explained in the README
 * ("API contract").
 */

const repoRoot = resolve(import.meta.dirname, '../..');
/** At least this many generated requests in one run (the sum over all operations, phases and shards). */
const MIN_CASES = 10_000;
const SEED = 20_261_201;
/**
 * Examples per operation in the fuzzing phase. The coverage phase's cases do not depend on it; at 60
 * the run made 12,160 cases on 2026-12-02 (13,387 at 85, for a fifth more time on a busy machine).
 */
const MAX_EXAMPLES = Number(process.env['PULSE_TEST_SCHEMATHESIS_EXAMPLES'] ?? 60);
/**
 * Threads per Schemathesis process. One: with two, CPython 3.11 (before 3.11.8) can fail Hypothesis's
 * `ast.parse` with "SystemError: AST constructor recursion depth mismatch" when threads parse at once
 * (python/cpython#106905), which CI hit once (2026-12-02). The two shards are two processes, so the
 * run stays parallel: 93 s with one thread alone on the machine (165 s with two, in CI beside other tests).
 */
const WORKERS = process.env['PULSE_TEST_SCHEMATHESIS_WORKERS'] ?? '1';

/**
 * `--checks all`, in the configuration file: on the command line a named check overrides every
 * per-operation exception below. What the checks cannot know from the document alone (README,
 * "API contract"):
 * - a refused request may also be 413 (a batch over PULSE_MAX_BATCH, a body over the limit) or
 *   431 (a request line over 16 KiB), besides the statuses Schemathesis expects by default;
 * - some valid-looking requests are refused for what no OpenAPI 3.0 schema can say: \`from\` not
 *   before \`to\` (400 \`bad_range\`), a cursor of another topic (400 \`bad_cursor\`), a partition the
 *   topic does not have (400 \`unknown_partition\`), \`offset\` without \`partition\`, \`to: 'timestamp'\`
 *   without \`timestamp\`, a user's sites that do not exist (400 \`unknown_site\`), a funnel or
 *   retention step that does not parse (400 \`bad_step\`: its grammar is a string pattern no schema states);
 * - the streams send server-sent events for as long as the client listens: one event is read.
 */
const config = `
[checks]
enabled = true

[checks.negative_data_rejection]
expected-statuses = [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429, 431, "5xx"]

[[operations]]
include-path-regex = "^/api/history/(timeseries|breakdown|pages|bots)$|^/api/shop/stats$"
checks.positive_data_acceptance.enabled = false

[[operations]]
include-path-regex = "^/api/kafka/(topics/[^/]+/messages|groups/[^/]+/reset)$"
checks.positive_data_acceptance.enabled = false

[[operations]]
include-path-regex = "^/api/history/(funnel|retention|events(/.*)?)$|^/api/funnels(/[^/]+)?$"
checks.positive_data_acceptance.enabled = false

[[operations]]
include-path-regex = "^/api/users(/[^/]+)?$"
include-method-regex = "^(POST|PATCH)$"
checks.positive_data_acceptance.enabled = false

[[operations]]
include-path-regex = "^/api/(stream|shop/stream|alerts/stream)$"
max-stream-events = 1
generation.max-examples = 5
`;

/** Endless NDJSON or SSE of topic records (they end only when the client disconnects). */
const EXCLUDED = '^/api/topics/[^/]+/tail$|^/api/kafka/topics/[^/]+/live$';
/**
 * Generating requests costs Schemathesis CPU under one interpreter lock per process: the
 * operations are split over two processes of about equal run time, one with those whose requests
 * are dear (large bodies, password hashing, reading the ban list from its topic).
 */
const HEAVY = '^/api/(events|coordinates|alerts/webhook|users(/.*)?|admin/shop/.*)$';
const shards: readonly string[][] = [
  ['--include-path-regex', HEAVY],
  ['--exclude-path-regex', `${HEAVY}|${EXCLUDED}`],
];

interface Run {
  code: number | null;
  output: string;
  seconds: number;
}

function schemathesis(args: string[]): Promise<Run> {
  const started = Date.now();
  const child = spawn('bash', [join(repoRoot, 'scripts', 'schemathesis'), ...args], {
    cwd: tmpdir(), // Schemathesis keeps a cache in .schemathesis/ of its working directory
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((done) => child.once('exit', (code) => done({ code, output, seconds: (Date.now() - started) / 1000 })));
}

/** The closing summary of a run: cases generated and whether anything failed. */
function summaryOf(output: string): { cases: number; verdict: string } {
  const summary = output.slice(output.lastIndexOf('SUMMARY'));
  return {
    cases: Number(/(\d+) generated/.exec(summary)?.[1] ?? Number.NaN),
    verdict: /^=+ (.+) in [\d.]+s =+\s*$/m.exec(summary)?.[1] ?? 'no summary',
  };
}

/** The FAILURES section of a report (or its end when there is none, e.g. after a crash), at most 8,000 characters. */
function findingsOf(output: string): string {
  const start = output.indexOf('= FAILURES =');
  if (start < 0) return output.slice(-8_000);
  const end = output.slice(start).search(/\n=+ (WARNINGS|SUMMARY) =+/);
  return output.slice(start, end < 0 ? undefined : start + end).slice(0, 8_000);
}

describe('the OpenAPI document of embedded Pulse is its exact contract (Schemathesis)', () => {
  let server: PulseProcess;
  let dataDir: string;
  let base: string;

  before(async () => {
    const install = await schemathesis([]);
    assert.equal(install.code, 0, install.output);
    console.log(install.output.trim());
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-contract-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawnPulse(['start'], {
      PULSE_PORT: String(port),
      PULSE_DATA_DIR: dataDir,
      PULSE_LOG_LEVEL: 'error',
      // Which site keys Pulse collects for is runtime data the fuzzer itself changes (POST /api/sites): with a
      // list, /openapi.json names the keys of the moment (an enum, test/unit/http/api-contract.test.ts).
      PULSE_SITES: '*',
      // The document's maxItems follows it: small batches keep each generated request cheap.
      PULSE_MAX_BATCH: '10',
    });
    await waitForHealth(base, server);
  });
  after(async () => {
    await server?.stop();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  test(`schemathesis run --checks all: ≥ ${MIN_CASES} generated cases, no failure, no 5xx`, { timeout: 900_000 }, async () => {
    const configFile = join(dataDir, 'schemathesis.toml');
    await writeFile(configFile, config);
    const started = Date.now();
    const runs = await Promise.all(
      shards.map((filter) =>
        schemathesis([
          '--config-file',
          configFile,
          'run',
          `${base}/openapi.json`,
          ...filter,
          '--max-examples',
          String(MAX_EXAMPLES),
          '--seed',
          String(SEED),
          '--workers',
          WORKERS,
          '--header',
          `Authorization: Bearer ${testAdminToken}`,
          '--request-timeout',
          '30',
          '--generation-database',
          'none',
          '--suppress-health-check',
          'all',
          '--no-color',
        ]),
      ),
    );
    const seconds = (Date.now() - started) / 1000;
    // The whole reports, for reading a failure (the assertion shows their ends).
    await mkdir(join(repoRoot, 'test-results'), { recursive: true });
    await Promise.all(runs.map((run, i) => writeFile(join(repoRoot, 'test-results', `schemathesis-shard-${i + 1}.txt`), run.output)));
    const summaries = runs.map((run) => summaryOf(run.output));
    const cases = summaries.reduce((sum, s) => sum + s.cases, 0);
    console.log(
      `schemathesis: ${cases} generated cases in ${seconds.toFixed(0)} s (${summaries.map((s, i) => `shard ${i + 1}: ${s.cases} cases in ${runs[i]?.seconds.toFixed(0)} s, ${s.verdict}`).join('; ')})`,
    );
    runs.forEach((run, i) => {
      // The findings first: a CI log shows the start of a failure message, the whole report is in test-results/.
      const exited = server.child.exitCode ?? server.child.signalCode;
      const serverSide = exited === null ? '' : `\nPulse exited (${exited}); its last output:\n${server.output().slice(-4_000)}`;
      const findings = `shard ${i + 1}: ${summaries[i]?.verdict}${serverSide}\n${findingsOf(run.output)}`;
      assert.equal(run.code, 0, findings);
      // Warnings (operations only ever refused for missing test data, …) are no failures.
      assert.match(summaries[i]?.verdict ?? '', /^(No issues found|(\d+ warnings?))$/, findings);
      assert.doesNotMatch(run.output, /^\[5\d\d\] /m, `shard ${i + 1}: an answer is a 5xx`);
    });
    assert.ok(cases >= MIN_CASES, `${cases} generated cases, at least ${MIN_CASES} wanted`);
  });
});
