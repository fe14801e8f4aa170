import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createEmbeddedBus } from '../../../src/bus/embedded/embedded-bus.ts';
import { ingestTopicSpecs } from '../../../src/bus/topics.ts';
import { loadConfig } from '../../../src/config/config.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { createMemoryRealtimeStore } from '../../../src/stores/realtime/memory/index.ts';
import { REALTIME_GROUP, realtimeTopics, realtimeWorker } from '../../../src/workers/realtime/realtime-worker.ts';
import { startWorker } from '../../../src/workers/worker-runner.ts';
import { assertMatchesStream, knownStream, recordsOf } from '../../helpers/known-stream.ts';
import { waitFor } from '../../helpers/services.ts';

const logger = createLogger('silent', 'test');

test('embedded: a known stream with duplicates and a crash before commit gives exact live figures', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pulse-rt-'));
  const bus = await createEmbeddedBus({ dir });
  const store = createMemoryRealtimeStore();
  try {
    await bus.ensureTopics(ingestTopicSpecs(loadConfig({})));
    const now = Date.now();
    const stream = knownStream('shop', { count: 3000, users: 40, seed: 7, now });
    assert.ok(stream.sent.length > stream.unique.length, 'the stream carries duplicates');
    const firstPart = stream.sent.slice(0, 1800);
    await bus.produce(recordsOf(firstPart));

    // Worker 1 writes batches, then "dies" after a write and before the commit: its sink applies
    // the batch to the store and fails from then on, so the batch in hand is never committed.
    let batches = 0;
    const realtime = realtimeWorker(store);
    const crashing = await startWorker(
      {
        ...realtime,
        sink: async (events) => {
          if (++batches > 5) {
            await realtime.sink(events);
            throw new Error('killed before commit');
          }
          await realtime.sink(events);
        },
      },
      { bus, logger, batchSize: 100, pollWaitMs: 20, maxRetryDelayMs: 20 },
    );
    await waitFor(async () => (batches > 6 ? true : undefined), 'first worker crashed mid-stream');
    await crashing.stop();
    const lagAfterCrash = await bus.groupLag(REALTIME_GROUP, realtimeTopics());
    assert.ok(lagAfterCrash.reduce((s, p) => s + p.lag, 0) > 0, 'part of the stream is left uncommitted');

    await bus.produce(recordsOf(stream.sent.slice(1800)));
    const worker = await startWorker(realtime, { bus, logger, batchSize: 100, pollWaitMs: 20 });
    await waitFor(
      async () => ((await bus.groupLag(REALTIME_GROUP, realtimeTopics())).every((p) => p.lag === 0) ? true : undefined),
      'caught up',
    );
    await worker.stop();
    await assertMatchesStream(store, 'shop', stream, Date.now());

    // A forced redelivery of everything: the group forgets its offsets and reads the log again.
    await bus.deleteGroup(REALTIME_GROUP);
    const replay = await startWorker(realtime, { bus, logger, batchSize: 500, pollWaitMs: 20 });
    await waitFor(async () => (replay.status().records.ok >= stream.sent.length ? true : undefined), 'replayed');
    await replay.stop();
    await assertMatchesStream(store, 'shop', stream, Date.now());
  } finally {
    await store.close();
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  }
});
