import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import type { Bus, BusRecord, SubscribeOptions, Subscription } from '../../../src/bus/bus.ts';
import { createEmbeddedBus } from '../../../src/bus/embedded/embedded-bus.ts';
import { PulseError, errorCodes, isPulseError } from '../../../src/shared/errors.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { Registry } from 'prom-client';
import { dlq, drop, ok, pipeline } from '../../../src/contract/outcome.ts';
import { createWorkerMetrics } from '../../../src/workers/worker-metrics.ts';
import { startWorker, type WorkerDefinition } from '../../../src/workers/worker-runner.ts';
import { readTopicSince } from '../../helpers/read-topic.ts';
import { waitFor } from '../../helpers/services.ts';

let dir: string;
let bus: Bus;
const logger = createLogger('silent', 'test');

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pulse-worker-'));
  bus = await createEmbeddedBus({ dir });
  await bus.ensureTopics([
    { name: 'numbers', partitions: 2 },
    { name: 'numbers.dlq', partitions: 1 },
  ]);
});
afterEach(async () => {
  await bus.close();
  await rm(dir, { recursive: true, force: true });
});

const produceNumbers = (values: string[]) => bus.produce(values.map((value, i) => ({ topic: 'numbers', key: `k${i % 5}`, value })));

function numbersWorker(sink: (values: number[]) => Promise<void>): WorkerDefinition<number> {
  return {
    name: 'numbers',
    group: 'numbers-group',
    topics: ['numbers'],
    decode: pipeline(function parseInteger(record: BusRecord) {
      const n = Number(record.value.toString());
      return Number.isInteger(n) ? ok(n) : dlq(`not an integer: ${record.value.toString()}`);
    }),
    sink,
    eventTime: () => Date.now(),
  };
}

/** The test bus, whose members poll one record at a time (a batch each), committing through `commit` if given. */
function onePerPoll(commit?: (inner: Subscription, records: BusRecord[]) => Promise<void>): Bus {
  return Object.assign(Object.create(bus) as Bus, {
    subscribe: async (options: SubscribeOptions): Promise<Subscription> => {
      const inner = await bus.subscribe(options);
      return {
        poll: (_max: number, waitMs: number) => inner.poll(1, waitMs),
        commit: (records: BusRecord[]) => (commit === undefined ? inner.commit(records) : commit(inner, records)),
        close: () => inner.close(),
      };
    },
  });
}

test('ok values reach the sink, bad ones the DLQ with the reason, offsets are committed after', async () => {
  const seen: number[] = [];
  const worker = await startWorker(
    numbersWorker(async (values) => void seen.push(...values)),
    { bus, logger, pollWaitMs: 50 },
  );
  await produceNumbers(['1', '2', 'three', '4']);
  await waitFor(async () => (worker.status().records.ok + worker.status().records.dlq === 4 ? true : undefined), 'batch handled');
  await worker.stop();

  assert.deepEqual(seen.sort(), [1, 2, 4]);
  const dead = await readTopicSince(bus, 'numbers.dlq', new Map(), 1, { settleMs: 200 });
  assert.equal(dead.length, 1);
  assert.equal(dead[0]?.headers['pulse-error'], 'not an integer: three');
  assert.equal(dead[0]?.headers['pulse-worker'], 'numbers');
  assert.match(dead[0]?.headers['pulse-origin'] ?? '', /^numbers\/\d\/\d+$/);
  const lag = await bus.groupLag('numbers-group', ['numbers']);
  assert.equal(
    lag.reduce((sum, p) => sum + p.lag, 0),
    0,
    'everything committed',
  );
  assert.equal(worker.status().state, 'stopped');
});

test('a failing sink is retried, nothing is committed or lost meanwhile', async () => {
  let failures = 2;
  const written: number[] = [];
  const worker = await startWorker(
    numbersWorker(async (values) => {
      if (failures-- > 0) throw new Error('store down');
      written.push(...values);
    }),
    { bus, logger, pollWaitMs: 50, maxRetryDelayMs: 20 },
  );
  await produceNumbers(['10', '20', '30']);
  await waitFor(async () => (written.length === 3 ? true : undefined), 'written after retries');
  await worker.stop();
  assert.deepEqual(written.sort(), [10, 20, 30]);
  assert.match(worker.status().lastError ?? '', /sink write: store down/);
});

test('a sink call that never settles counts as a retriable failure after sinkTimeoutMs; the retry writes the batch', async () => {
  let calls = 0;
  const written: number[] = [];
  const worker = await startWorker(
    numbersWorker(async (values) => {
      calls += 1;
      if (calls === 1) return new Promise<void>(() => undefined); // a store client stuck on a dead connection
      written.push(...values);
    }),
    { bus, logger, pollWaitMs: 50, maxRetryDelayMs: 20, sinkTimeoutMs: 100 },
  );
  await produceNumbers(['1', '2', '3']);
  await waitFor(async () => (written.length === 3 ? true : undefined), 'written by the retry');
  await worker.stop();
  assert.deepEqual(written.sort(), [1, 2, 3]);
  assert.equal(worker.status().records.ok, 3);
  assert.match(worker.status().lastError ?? '', /sink write: the sink write did not finish within 0.1 s/);
});

test('a batch that was not committed is delivered again to the next worker of the group', async () => {
  const attempted: number[] = [];
  // The store goes down for good: the first worker keeps retrying and is stopped without committing.
  const stuck = await startWorker(
    numbersWorker(async (values) => {
      attempted.push(...values);
      throw new Error('store down');
    }),
    { bus, logger, pollWaitMs: 50, maxRetryDelayMs: 20 },
  );
  await produceNumbers(['1', '2', '3']);
  await waitFor(async () => (attempted.length >= 3 ? true : undefined), 'first worker tried');
  await stuck.stop();

  const second: number[] = [];
  const next = await startWorker(
    numbersWorker(async (values) => void second.push(...values)),
    { bus, logger, pollWaitMs: 50 },
  );
  try {
    await waitFor(async () => (second.length >= 3 ? true : undefined), 'redelivered', 10_000);
  } finally {
    await next.stop();
  }
  assert.deepEqual(second.sort(), [1, 2, 3]);
});

test('deleting a group makes its next member read the log again from the start', async () => {
  await produceNumbers(['5', '6']);
  const firstRun: number[] = [];
  const first = await startWorker(
    numbersWorker(async (values) => void firstRun.push(...values)),
    { bus, logger, pollWaitMs: 50 },
  );
  await waitFor(async () => (firstRun.length === 2 ? true : undefined), 'first run');
  await first.stop();
  await assert.rejects(
    async () => {
      const member = await bus.subscribe({ group: 'numbers-group', topics: ['numbers'] });
      try {
        await bus.deleteGroup('numbers-group');
      } finally {
        await member.close();
      }
    },
    (error: unknown) => isPulseError(error, errorCodes.BUS_GROUP_ACTIVE) && /still has members/.test(error.message),
  );

  await bus.deleteGroup('numbers-group');
  assert.deepEqual(
    (await bus.groupLag('numbers-group', ['numbers'])).map((p) => p.committed),
    [null, null],
  );
  const replay: number[] = [];
  const second = await startWorker(
    numbersWorker(async (values) => void replay.push(...values)),
    { bus, logger, pollWaitMs: 50 },
  );
  await waitFor(async () => (replay.length === 2 ? true : undefined), 'replayed');
  await second.stop();
  assert.deepEqual(replay.sort(), [5, 6]);
});

test('refused records are also handed to the sink with their reasons before the commit', async () => {
  const rejected: string[] = [];
  const worker = await startWorker(
    { ...numbersWorker(async () => undefined), recordRejects: async (rejects) => void rejected.push(...rejects.map((r) => r.reason)) },
    { bus, logger, pollWaitMs: 50 },
  );
  await produceNumbers(['7', 'x', 'y']);
  await waitFor(async () => (worker.status().records.dlq === 2 ? true : undefined), 'rejects handled');
  await worker.stop();
  assert.deepEqual(rejected.sort(), ['not an integer: x', 'not an integer: y']);
});

/** A sink that refuses one chosen value as a store refuses data it cannot hold, and records what it wrote. */
function refusingSink(poison: number, written: number[], calls: number[][]) {
  return async (values: number[]) => {
    calls.push([...values]);
    if (values.includes(poison)) throw new PulseError(errorCodes.STORE_REJECTED, `value ${poison} does not fit`);
    written.push(...values);
  };
}

test('a record the sink refuses for good is narrowed down and dead-lettered with the reason; the rest is written', async () => {
  const written: number[] = [];
  const calls: number[][] = [];
  const rejected: string[] = [];
  const worker = await startWorker(
    {
      ...numbersWorker(refusingSink(13, written, calls)),
      recordRejects: async (rejects) => void rejected.push(...rejects.map((r) => r.reason)),
    },
    { bus, logger, pollWaitMs: 50, maxRetryDelayMs: 20 },
  );
  const values = Array.from({ length: 20 }, (_, i) => String(i + 1));
  await produceNumbers(values);
  await waitFor(async () => (worker.status().records.ok + worker.status().records.dlq === 20 ? true : undefined), 'all handled');
  await worker.stop();

  assert.deepEqual(
    written.sort((a, b) => a - b),
    values.map(Number).filter((n) => n !== 13),
  );
  assert.equal(worker.status().records.dlq, 1);
  const dead = await readTopicSince(bus, 'numbers.dlq', new Map(), 1, { settleMs: 200 });
  assert.deepEqual(
    dead.map((r) => r.value.toString()),
    ['13'],
  );
  assert.match(dead[0]?.headers['pulse-error'] ?? '', /sink refused the record: value 13 does not fit/);
  assert.deepEqual(rejected, [dead[0]?.headers['pulse-error']]);
  assert.ok(
    calls.every((call) => call.length > 0),
    'never an empty write',
  );
  assert.equal(
    (await bus.groupLag('numbers-group', ['numbers'])).reduce((sum, p) => sum + p.lag, 0),
    0,
    'everything committed',
  );
});

test('a retriable failure on one record backs off and writes the whole batch; nothing is dead-lettered', async () => {
  let failures = 3;
  const written: number[] = [];
  const worker = await startWorker(
    numbersWorker(async (values) => {
      if (values.includes(7) && failures-- > 0) throw new PulseError(errorCodes.STORE_UNAVAILABLE, 'store busy');
      written.push(...values);
    }),
    { bus, logger, pollWaitMs: 50, maxRetryDelayMs: 20 },
  );
  await produceNumbers(['5', '6', '7', '8']);
  await waitFor(async () => (written.length === 4 ? true : undefined), 'written after back-off');
  await worker.stop();
  assert.deepEqual(
    written.sort((a, b) => a - b),
    [5, 6, 7, 8],
  );
  assert.equal(worker.status().records.dlq, 0);
  assert.match(worker.status().lastError ?? '', /store busy/);
  assert.deepEqual(await readTopicSince(bus, 'numbers.dlq', new Map(), 0, { settleMs: 100 }), []);
});

test('drops are counted per reason in the worker metrics, not dead-lettered', async () => {
  const registry = new Registry();
  const worker = await startWorker(
    {
      ...numbersWorker(async () => undefined),
      decode: pipeline(function keepEven(record: BusRecord) {
        const n = Number(record.value.toString());
        return n % 2 === 0 ? ok(n) : drop(n < 0 ? 'negative_odd' : 'odd');
      }),
    },
    { bus, logger, pollWaitMs: 50, metrics: createWorkerMetrics(registry) },
  );
  await produceNumbers(['1', '2', '3', '-5', '4']);
  await waitFor(async () => (worker.status().records.ok + worker.status().records.drop === 5 ? true : undefined), 'handled');
  await worker.stop();
  const dropped = (await registry.getSingleMetric('pulse_worker_dropped_total')?.get())?.values ?? [];
  assert.deepEqual(Object.fromEntries(dropped.map((v) => [v.labels['reason'], v.value])), { odd: 2, negative_odd: 1 });
  assert.equal(worker.status().records.dlq, 0);
  assert.deepEqual(worker.status().steps, ['keepEven']);
});

test('a member whose commits keep failing joins its group again; what it had not committed is redelivered and absorbed', async () => {
  let subscriptions = 0;
  // The first member's commits always fail, as after its group coordinator died.
  const flaky: Bus = Object.assign(Object.create(bus) as Bus, {
    subscribe: async (options: SubscribeOptions): Promise<Subscription> => {
      subscriptions += 1;
      const inner = await bus.subscribe(options);
      if (subscriptions > 1) return inner;
      return {
        poll: (_max: number, waitMs: number) => inner.poll(1, waitMs),
        commit: async () => {
          throw new PulseError(errorCodes.BUS_UNAVAILABLE, 'not the coordinator');
        },
        close: () => inner.close(),
      };
    },
  });
  const written: number[] = [];
  const worker = await startWorker(
    numbersWorker(async (values) => void written.push(...values)),
    { bus: flaky, logger, pollWaitMs: 50 },
  );
  await produceNumbers(['1', '2', '3', '4', '5']);
  await waitFor(
    async () => ((await bus.groupLag('numbers-group', ['numbers'])).every((p) => p.lag === 0) ? true : undefined),
    'committed by the new member',
    10_000,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}: ${subscriptions} members, ${JSON.stringify(worker.status())}`);
  });
  await worker.stop();
  assert.equal(subscriptions, 2);
  assert.deepEqual([...new Set(written)].sort(), [1, 2, 3, 4, 5]);
  assert.ok(written.length > 5, 'the uncommitted records were delivered again');
});

test("a batch's commit runs while the next batch is written; commits stay in order, each after its batch's write", async () => {
  const log: string[] = [];
  let releaseFirstCommit: (() => void) | undefined;
  const firstCommitHeld = new Promise<void>((resolve) => (releaseFirstCommit = resolve));
  let commits = 0;
  const slowCommits = onePerPoll(async (inner, records) => {
    const n = (commits += 1);
    log.push(`commit ${n} starts`);
    if (n === 1) await firstCommitHeld;
    await inner.commit(records);
    log.push(`commit ${n} done`);
  });
  const written: number[] = [];
  const worker = await startWorker(
    numbersWorker(async (values) => {
      written.push(...values);
      log.push(`write ${values.join(',')}`);
    }),
    { bus: slowCommits, logger, pollWaitMs: 50 },
  );
  await produceNumbers(['1', '2', '3']);
  // The first commit is held: the second batch is written meanwhile, and its commit waits for the first.
  await waitFor(async () => (written.length >= 2 ? true : undefined), 'the second batch written while the first commit is held');
  assert.equal(commits, 1, 'no second commit while the first is in flight');
  releaseFirstCommit?.();
  await waitFor(
    async () => ((await bus.groupLag('numbers-group', ['numbers'])).every((p) => p.lag === 0) ? true : undefined),
    'all committed',
  );
  await worker.stop();
  assert.deepEqual(written.sort(), [1, 2, 3]);
  for (let n = 2; n <= commits; n += 1) {
    assert.ok(
      log.indexOf(`commit ${n} starts`) > log.indexOf(`commit ${n - 1} done`),
      `commit ${n} after commit ${n - 1}: ${log.join('; ')}`,
    );
  }
  const writes = log.filter((entry) => entry.startsWith('write '));
  const commitStarts = log.filter((entry) => entry.endsWith(' starts'));
  assert.equal(commitStarts.length, writes.length, `one commit per written batch: ${log.join('; ')}`);
  for (const [i, start] of commitStarts.entries()) {
    assert.ok(log.indexOf(start) > log.indexOf(writes[i] as string), `commit ${i + 1} after write ${i + 1}: ${log.join('; ')}`);
  }
});

test('the next batch is polled and decoded while one is written; writes stay one at a time and in order', async () => {
  const decodedValues: number[] = [];
  let releaseFirstWrite: (() => void) | undefined;
  const firstWriteHeld = new Promise<void>((resolve) => (releaseFirstWrite = resolve));
  const writes: number[][] = [];
  let writing = 0;
  let overlapping = 0;
  const definition = numbersWorker(async (values) => {
    writing += 1;
    if (writing > 1) overlapping += 1;
    writes.push(values);
    if (writes.length === 1) await firstWriteHeld;
    writing -= 1;
  });
  const decode = definition.decode;
  const worker = await startWorker(
    {
      ...definition,
      decode: Object.assign((record: BusRecord) => {
        decodedValues.push(Number(record.value.toString()));
        return decode(record);
      }, decode),
    },
    { bus: onePerPoll(), logger, pollWaitMs: 50 },
  );
  await produceNumbers(['1', '2', '3']);
  await waitFor(
    async () => (writes.length === 1 && decodedValues.length === 2 ? true : undefined),
    'the second batch decoded while the first is written',
  );
  assert.equal(writes.length, 1, 'the second batch waits for the first write');
  releaseFirstWrite?.();
  await waitFor(
    async () => ((await bus.groupLag('numbers-group', ['numbers'])).every((p) => p.lag === 0) ? true : undefined),
    'all committed',
  );
  await worker.stop();
  assert.equal(overlapping, 0, 'never two writes at once');
  assert.deepEqual(writes.flat().sort(), [1, 2, 3]);
  assert.deepEqual(writes.flat(), decodedValues.slice(0, 3), 'written in the order polled');
});
