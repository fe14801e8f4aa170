import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Bus, PartitionLag } from '../../../src/bus/bus.ts';
import type { RunningWorker, WorkerStatus } from '../../../src/workers/worker-runner.ts';
import { workerStatus } from '../../../src/workers/worker-status.ts';

/**
 * /status reads the group's lag before the loop's figures. A batch's figures are counted before its
 * offsets are committed, so a batch committed while the lag query is on its way must be in the
 * figures of the same answer: a lag of 0 then means every record is counted (the store fault tests
 * wait for that lag and then check the counts).
 */
test("a batch committed while the lag is being read is in the same answer's figures", async () => {
  const figures: WorkerStatus = {
    worker: 'warehouse',
    group: 'g',
    topics: ['t'],
    state: 'running',
    batches: 1,
    records: { ok: 100, dlq: 0, drop: 0 },
    lastBatchAt: null,
    newestEventTs: null,
    lastError: null,
  } as WorkerStatus;
  const worker: RunningWorker = { status: () => structuredClone(figures), stop: async () => undefined };
  const bus = {
    // While the broker answers, the loop writes its last batch (counted) and commits it: the lag it reports is 0.
    groupLag: async (): Promise<PartitionLag[]> => {
      figures.records.ok += 24;
      figures.batches += 1;
      return [{ topic: 't', partition: 0, committed: 124, endOffset: 124, lag: 0 }];
    },
  } as unknown as Bus;

  const answer = await workerStatus(bus, worker)();
  assert.equal(answer['totalLag'], 0);
  assert.deepEqual(answer['records'], { ok: 124, dlq: 0, drop: 0 });
});

test('a lag query that fails leaves the figures and says why', async () => {
  const worker: RunningWorker = {
    status: () => ({ worker: 'w', group: 'g', topics: ['t'], records: { ok: 5, dlq: 0, drop: 0 } }) as unknown as WorkerStatus,
    stop: async () => undefined,
  };
  const bus = { groupLag: async () => Promise.reject(new Error('broker away')) } as unknown as Bus;
  const answer = await workerStatus(bus, worker)();
  assert.equal(answer['totalLag'], null);
  assert.equal(answer['lagError'], 'broker away');
  assert.deepEqual(answer['records'], { ok: 5, dlq: 0, drop: 0 });
});
