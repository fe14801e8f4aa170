import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { Bus } from '../../src/bus/bus.ts';
import { topics } from '../../src/bus/topics.ts';
import { loadConfig } from '../../src/config/config.ts';
import { kafkaBusFrom } from '../../src/runtime/adapters.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { createRedisRealtimeStore } from '../../src/stores/realtime/redis/index.ts';
import { realtimeWorker } from '../../src/workers/realtime/realtime-worker.ts';
import { startWorker, type RunningWorker } from '../../src/workers/worker-runner.ts';
import { cluster, clusterEnv } from '../helpers/cluster.ts';
import { assertMatchesStream, knownStream, recordsOf } from '../helpers/known-stream.ts';
import { redisUrl, spawnPulse, waitFor } from '../helpers/services.ts';

const logger = createLogger('silent', 'test');

const watched = [topics.userActivity, topics.mouseCoordinates];

/** Records per partition of the realtime worker's topics, on one cluster. */
async function ends(bus: Bus): Promise<Record<string, number[]>> {
  const listed = await bus.listTopics();
  return Object.fromEntries(watched.map((name) => [name, (listed.find((t) => t.name === name)?.partitions ?? []).map((p) => p.endOffset)]));
}

const caughtUp = async (bus: Bus, group: string) => ((await bus.groupLag(group, watched)).every((p) => p.lag === 0) ? true : undefined);

test(
  'MirrorMaker 2 copies user-activity to the backup; after failover the realtime worker continues there with exact figures',
  { timeout: 600_000 },
  async () => {
    const site = `fo${randomUUID().slice(0, 8)}`;
    const store = createRedisRealtimeStore({ url: redisUrl });
    const ingest = kafkaBusFrom(loadConfig(clusterEnv('INGEST')));
    const mainBus = kafkaBusFrom(loadConfig(clusterEnv('REALTIME')));
    // The backup cluster as a worker would be pointed at it: only the brokers change (it is plaintext here).
    const backupBus = kafkaBusFrom(loadConfig({ PULSE_KAFKA_BROKERS: cluster.backupBrokers() }));
    const workers: RunningWorker[] = [];
    try {
      const stream = knownStream(site, { count: 3000, users: 40, seed: 77, now: Date.now() });
      const syncedBefore = Object.fromEntries(
        (await backupBus.groupLag('pulse-realtime', watched)).map((p) => [`${p.topic}:${p.partition}`, p.committed ?? 0]),
      );
      const half = Math.floor(stream.sent.length / 2);

      // Normal operation: the first half is produced and aggregated on the main cluster.
      await ingest.produce(recordsOf(stream.sent.slice(0, half)));
      const onMain = await startWorker(realtimeWorker(store), { bus: mainBus, logger, batchSize: 200, pollWaitMs: 100 });
      workers.push(onMain);
      await waitFor(() => caughtUp(mainBus, onMain.status().group), 'the main cluster worker caught up', 120_000);
      await onMain.stop();
      workers.pop();

      // The second half reaches the main cluster, which then "fails" before any worker reads it there.
      await ingest.produce(recordsOf(stream.sent.slice(half)));
      const mainEnds = await ends(mainBus);
      await waitFor(
        async () => (JSON.stringify(await ends(backupBus)) === JSON.stringify(mainEnds) ? true : undefined),
        `MirrorMaker copied the topics (main ${JSON.stringify(mainEnds)})`,
        180_000,
      );
      assert.deepEqual(await ends(backupBus), mainEnds, 'record counts per partition equal on main and backup');
      // MirrorMaker translates the group's committed offsets to the backup, trailing the main cluster's (it only
      // knows some of the offsets' counterparts); wait until they carry this run's progress. Whatever the backup
      // worker then reads again was already applied, and the store applies each event_id once.
      await waitFor(
        async () =>
          (await backupBus.groupLag(onMain.status().group, watched)).some(
            (p) => (p.committed ?? 0) > (syncedBefore[`${p.topic}:${p.partition}`] ?? 0),
          )
            ? true
            : undefined,
        `the group offsets synced to the backup (before: ${JSON.stringify(syncedBefore)})`,
        150_000,
      );

      // The operator's check before failing over: the backup has the group's offsets.
      const check = spawnPulse(['groups'], { PULSE_KAFKA_BROKERS: cluster.backupBrokers(), PULSE_LOG_LEVEL: 'warn' });
      assert.equal(await new Promise((resolve) => check.child.once('exit', resolve)), 0, check.output());
      assert.match(check.output(), /^pulse-realtime +committed partitions=[1-6]\/6 lag=\d+$/m);

      // Failover: the same worker, pointed at the backup, resumes from MirrorMaker's translated offsets.
      const onBackup = await startWorker(realtimeWorker(store), { bus: backupBus, logger, batchSize: 200, pollWaitMs: 100 });
      workers.push(onBackup);
      await waitFor(() => caughtUp(backupBus, onBackup.status().group), 'the backup worker caught up', 120_000);
      const everything = Object.values(await ends(backupBus))
        .flat()
        .reduce((sum, n) => sum + n, 0);
      assert.ok(
        onBackup.status().records.ok < everything - half,
        `resumed from the synced offsets, not from the start (${onBackup.status().records.ok} of ${everything} records read on the backup)`,
      );
      await assertMatchesStream(store, site, stream, Date.now());
    } finally {
      for (const worker of workers) await worker.stop();
      await Promise.allSettled([ingest.close(), mainBus.close(), backupBus.close(), store.close()]);
    }
  },
);
