/**
 * Embedded mode's memory stays bounded while its store grows: `pulse start` as a real process takes
 * a bounded load of 50-event batches until every event is stored in its warehouse, and its resident
 * set size (VmRSS from /proc, polled throughout; PGlite lives inside the process, so this is all of
 * Pulse) never passes the bound. Memory is asserted, never time: the waits are bounded generously
 * so a loaded machine only makes the test slower.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createPlanner } from '../../src/generator/plan.ts';
import { HTTP_TARGET_USER_AGENT, wireEvent } from '../../src/generator/targets.ts';
import { adminHeaders, freePort, spawnPulse, waitFor, waitForHealth, type PulseProcess } from '../helpers/services.ts';

/**
 * The bound asserted: issue 14's 512 MiB. With PGlite as the store (before 2026-12-02) `pulse start`
 * peaked at 618 MiB under the benchmark's load and this test read 537 MiB, so the bound was 800; with
 * SQLite (history and accounts; PGlite only once the shop is used) this test read 337 MiB in a full
 * test run and the benchmark 467–492 MiB at 50,000 events/s accepted (BENCHMARKS.md, "Embedded mode
 * end to end").
 */
const RSS_BOUND_MIB = 512;
const EVENTS = 20_000;
const BATCH = 50;
const SENDERS = 4;

const site = `embmem${randomUUID().slice(0, 8)}`;
let dir = '';
let pulse: PulseProcess | undefined;
let base = '';

function rssMiB(pid: number): number {
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kib === undefined ? NaN : Number(kib) / 1024;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pulse-embedded-memory-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  pulse = spawnPulse(['start'], {
    PULSE_PORT: String(port),
    PULSE_DATA_DIR: dir,
    PULSE_SITES: site,
    PULSE_LOG_LEVEL: 'warn',
    PULSE_RATE_LIMIT_PER_MINUTE: '0',
    PULSE_SITE_RATE_LIMIT_PER_MINUTE: '0',
  });
  await waitForHealth(base, pulse);
});

after(async () => {
  await pulse?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A valid page view as the generator sends it (without event_id: ingest gives each accepted event one). */
function pageViewTemplate(): Record<string, unknown> {
  const planner = createPlanner(5, { site, idPrefix: 'embmem', users: 100 });
  for (;;) {
    const entry = planner.next();
    if (entry.invalid !== null || entry.duplicateOf !== null || entry.event.type !== 'page_view') continue;
    const event = wireEvent(entry, new Date()) as Record<string, unknown>;
    delete event['event_id'];
    return event;
  }
}

/** One batch of page views from one visitor session, on a spread of pages. */
function batchBody(template: Record<string, unknown>, n: number): string {
  return JSON.stringify(
    Array.from({ length: BATCH }, (_, i) => {
      const page = `/page/${(n * BATCH + i) % 200}`;
      return {
        ...template,
        user_id: `u${n % 500}`,
        session_id: `s${n}`,
        url: `https://example.com${page}`,
        ts: new Date().toISOString(),
      };
    }),
  );
}

async function views(): Promise<number> {
  const reply = await fetch(`${base}/api/history/pages?site=${site}`, { headers: adminHeaders });
  if (!reply.ok) throw new Error(`history: HTTP ${reply.status}`);
  const { pages } = (await reply.json()) as { pages: { views: number }[] };
  return pages.reduce((sum, row) => sum + row.views, 0);
}

test('`pulse start` replaced its own process image to run with small semi-spaces (same pid, the flag on its command line)', () => {
  const pid = pulse?.child.pid;
  assert.ok(pid !== undefined);
  const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    .split('\0')
    .filter((arg) => arg !== '');
  assert.ok(commandLine.includes('--max-semi-space-size=4'), commandLine.join(' '));
  assert.match(commandLine.slice(-2).join(' '), /bin\/pulse\.js start$/, 'its arguments are kept');
});

test('the embedded process stays under its RSS bound while a bounded load fills its store', async () => {
  const pid = pulse?.child.pid;
  assert.ok(pid !== undefined);
  let peak = rssMiB(pid);
  const poller = setInterval(() => {
    peak = Math.max(peak, rssMiB(pid));
  }, 100);
  try {
    const template = pageViewTemplate();
    let next = 0;
    const sender = async (): Promise<void> => {
      while (next < EVENTS / BATCH) {
        const n = next++;
        const reply = await fetch(`${base}/api/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': HTTP_TARGET_USER_AGENT },
          body: batchBody(template, n),
        });
        const text = await reply.text();
        assert.ok(reply.ok, `batch ${n}: HTTP ${reply.status} ${text}`);
      }
    };
    await Promise.all(Array.from({ length: SENDERS }, sender));
    // Every accepted event reaches the warehouse (the store grew by all of them) before memory is judged.
    await waitFor(async () => ((await views()) >= EVENTS ? true : undefined), `${EVENTS} page views in the warehouse`, 600_000);
    peak = Math.max(peak, rssMiB(pid));
  } finally {
    clearInterval(poller);
  }
  assert.equal(await views(), EVENTS);
  assert.ok(!existsSync(join(dir, 'pglite')), 'PGlite was never opened: this Pulse did not use its shop');
  assert.ok(peak < RSS_BOUND_MIB, `peak RSS ${peak.toFixed(0)} MiB, bound ${RSS_BOUND_MIB} MiB`);
  console.log(`# embedded memory: peak RSS ${peak.toFixed(0)} MiB for ${EVENTS} events (bound ${RSS_BOUND_MIB} MiB)`);
});
