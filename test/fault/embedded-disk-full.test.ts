import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createEmbeddedBus } from '../../src/bus/embedded/index.ts';
import { topics } from '../../src/bus/topics.ts';
import { silentLogger } from '../helpers/embedded-bus.ts';
import { CHROME_UA, pageView } from '../helpers/events.ts';
import { freePort, spawnPulse, waitFor, type PulseProcess } from '../helpers/services.ts';

const run = promisify(execFile);

/** Writes zeros into `path` until the filesystem refuses (ENOSPC); returns the bytes written. */
async function fillUp(path: string): Promise<number> {
  const file = await open(path, 'w');
  let written = 0;
  try {
    for (const size of [1024 * 1024, 64 * 1024, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size);
      for (;;) {
        try {
          const { bytesWritten } = await file.write(chunk);
          written += bytesWritten;
          if (bytesWritten < size) break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
    }
  } finally {
    await file.close();
  }
  return written;
}

interface Answer {
  status: number;
  retryAfter: string | null;
  error: string | undefined;
}

test(
  "the embedded log's disk full: ingest answers 503 for what it cannot write, recovers when space returns, and keeps every 2xx event",
  { timeout: 240_000 },
  async (t) => {
    if (process.getuid?.() !== 0) {
      t.skip('mounting a small tmpfs needs root');
      return;
    }
    const dataDir = await mkdtemp(join(tmpdir(), 'pulse-fault-disk-'));
    const busDir = join(dataDir, 'bus'); // $PULSE_DATA_DIR/bus: the log; PGlite stays beside it, on the real disk
    const token = randomBytes(16).toString('hex'); // 32 characters
    const auth = { authorization: `Bearer ${token}` };
    let mounted = false;
    let pulse: PulseProcess | undefined;
    try {
      await mkdir(busDir);
      await run('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', busDir]);
      mounted = true;
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      pulse = spawnPulse(['start'], {
        PULSE_PORT: String(port),
        PULSE_DATA_DIR: dataDir,
        PULSE_ADMIN_TOKEN: token,
        PULSE_LOG_LEVEL: 'warn',
        PULSE_WORKER_BATCH: '50',
        PULSE_WAREHOUSE_BATCH: '50',
      });
      const started = pulse;
      await waitFor(
        async () => {
          if (started.child.exitCode !== null) throw new Error(`pulse exited: ${started.output()}`);
          return (await fetch(`${base}/health`)).ok ? true : undefined;
        },
        'pulse start (PGlite opens in seconds on a quiet machine, tens of seconds on a busy one)',
        120_000,
      );

      const accepted: string[] = [];
      const refused: string[] = [];
      let sent = 0;
      const post = async (): Promise<Answer> => {
        const eventId = `disk-full-${String(sent++).padStart(6, '0')}`;
        const response = await fetch(`${base}/api/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA },
          body: JSON.stringify(pageView({ event_id: eventId, props: { pad: 'x'.repeat(200) } })),
          signal: AbortSignal.timeout(15_000),
        });
        const body = (await response.json()) as { error?: string };
        if (response.status === 202) accepted.push(eventId);
        else if (response.status === 503) refused.push(eventId);
        else assert.fail(`event ${eventId}: status ${response.status} ${JSON.stringify(body)}`);
        return { status: response.status, retryAfter: response.headers.get('retry-after'), error: body.error };
      };

      /** Waits until the warehouse (PGlite) and the live figures both count exactly `n` events. */
      const waitForStores = async (n: number) => {
        await waitFor(
          async () => {
            const response = await fetch(`${base}/api/admin/counts`, { headers: auth });
            const counts = (await response.json()) as { warehouses: Record<string, Record<string, number>> };
            return counts.warehouses['sqlite']?.['events'] === n ? true : undefined;
          },
          `${n} events in the warehouse`,
          60_000,
        );
        await waitFor(
          async () => {
            const response = await fetch(`${base}/api/stats/realtime?site=demo`, { headers: auth });
            const snapshot = (await response.json()) as { topPages: { path: string; views: number }[] };
            return snapshot.topPages.reduce((sum, p) => sum + p.views, 0) === n ? true : undefined;
          },
          `${n} page views in the live figures`,
          60_000,
        );
      };

      // 1. Room on the disk: every event is accepted.
      for (let i = 0; i < 50; i += 1) assert.equal((await post()).status, 202);

      // 2. The disk fills up. What still fits in the pages the segment files already hold is
      // accepted; then every event is refused with 503 (never 2xx), and the process stays up.
      const filler = join(busDir, 'filler');
      const filled = await fillUp(filler);
      const fullAt = Date.now();
      let streak = 0;
      let attempts = 0;
      while (streak < 30) {
        assert.ok(attempts++ < 2000, `no run of 30 refusals in ${attempts} events on a full disk`);
        const answer = await post();
        if (answer.status === 503) {
          assert.equal(answer.error, 'unavailable');
          assert.ok(answer.retryAfter !== null, 'a 503 says when to retry');
          streak += 1;
        } else streak = 0;
      }
      const acceptedWhileFull = accepted.length - 50;
      // Still full: the workers read what was accepted (their offset commits, also on this disk, fail
      // and are retried), and ingest keeps refusing every new event.
      await waitForStores(accepted.length);
      for (let i = 0; i < 50; i += 1) assert.equal((await post()).status, 503, 'refused while the disk is full');
      assert.ok(started.child.exitCode === null && started.child.signalCode === null, 'pulse is still running');
      const health = await fetch(`${base}/health`);
      assert.equal(health.status, 200);

      // 3. Space returns: accepted again at once.
      await rm(filler);
      const freedAt = Date.now();
      for (let i = 0; i < 50; i += 1) assert.equal((await post()).status, 202, 'accepted again once space returned');
      t.diagnostic(
        `filled ${filled} bytes; full for ${freedAt - fullAt} ms: ${acceptedWhileFull} accepted into the slack, ${refused.length} refused (503); ` +
          `${accepted.length} accepted in all of ${sent}; commit failures logged: ${(started.output().match(/commit failed/g) ?? []).length}`,
      );

      // Every accepted event reaches both stores exactly once, refused ones never.
      await waitForStores(accepted.length);
      const counts = (await (await fetch(`${base}/api/admin/counts`, { headers: auth })).json()) as {
        warehouses: Record<string, Record<string, number>>;
      };
      assert.equal(counts.warehouses['sqlite']?.['events'], accepted.length, 'the warehouse holds the accepted events, no more');

      const messages = new Map<string, number>();
      for (const line of started.output().split('\n')) {
        const msg = /"msg":"([^"]*)"/.exec(line)?.[1];
        if (msg !== undefined) messages.set(msg, (messages.get(msg) ?? 0) + 1);
      }
      t.diagnostic(`pulse logged: ${JSON.stringify(Object.fromEntries(messages))}`);
      await started.stop();
      assert.equal(started.child.exitCode, 0, `pulse stopped cleanly: ${started.output().slice(-2000)}`);

      // The log itself: exactly the accepted events, each once, in an intact segment.
      const repairs: string[] = [];
      const bus = await createEmbeddedBus({ dir: busDir, logger: { ...silentLogger, warn: (_obj, msg) => repairs.push(msg) } });
      try {
        const admin = bus.clusterAdmin();
        const inLog: string[] = [];
        const [topic] = await bus.listTopics().then((all) => all.filter((x) => x.name === topics.userActivity));
        assert.ok(topic !== undefined);
        for (const partition of topic.partitions) {
          for (let offset = partition.startOffset; offset < partition.endOffset;) {
            const records = await admin.read(topic.name, partition.partition, offset, 500);
            assert.ok(records.length > 0);
            for (const record of records) inLog.push((JSON.parse(record.value.toString()) as { event_id: string }).event_id);
            offset = (records.at(-1)?.offset ?? offset) + 1;
          }
        }
        assert.deepEqual(inLog.sort(), [...accepted].sort(), 'the log holds exactly the accepted events');
        assert.deepEqual(repairs, [], 'the segments needed no repair on reopening');
      } finally {
        await bus.close();
      }
    } finally {
      await pulse?.stop();
      if (mounted) await run('umount', [busDir]).catch(() => run('umount', ['-l', busDir]));
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);
