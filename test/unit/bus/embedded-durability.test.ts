import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import type { Bus, BusRecord } from '../../../src/bus/bus.ts';
import { createEmbeddedBus } from '../../../src/bus/embedded/index.ts';
import type { EmbeddedBusLogger, EmbeddedBusOptions } from '../../../src/bus/embedded/index.ts';
import { drain } from '../../helpers/embedded-bus.ts';

const DAY = 24 * 60 * 60 * 1000;

interface LogLine {
  level: string;
  msg: string;
  obj: object;
}

function capturingLogger(): EmbeddedBusLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    info: (obj, msg) => lines.push({ level: 'info', msg, obj }),
    warn: (obj, msg) => lines.push({ level: 'warn', msg, obj }),
    error: (obj, msg) => lines.push({ level: 'error', msg, obj }),
  };
}

/** A temp dir for the test plus a way to (re)open buses on it — each open simulates a process start. */
async function tempDir(t: TestContext) {
  const dir = await mkdtemp(join(tmpdir(), 'pulse-embedded-'));
  const open: Bus[] = [];
  t.after(async () => {
    for (const bus of open) await bus.close();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    dir,
    async open(options: Partial<EmbeddedBusOptions> = {}): Promise<Bus> {
      const bus = await createEmbeddedBus({ logger: capturingLogger(), ...options, dir });
      open.push(bus);
      return bus;
    },
  };
}

function values(bus: Bus, topic: string, n: number, prefix = 'm') {
  return bus.produce(Array.from({ length: n }, (_, i) => ({ topic, partition: 0, value: `${prefix}${i}` })));
}

async function segmentFiles(dir: string, topicPartition: string): Promise<string[]> {
  return (await readdir(join(dir, 'topics', topicPartition))).filter((f) => f.endsWith('.log')).sort();
}

async function partitionOffsets(bus: Bus, topic: string) {
  const info = (await bus.listTopics()).find((t) => t.name === topic);
  return info?.partitions[0];
}

describe('embedded bus: restart', () => {
  it('keeps records, topics and committed offsets across a restart; offsets continue', async (t) => {
    const { open } = await tempDir(t);
    const before = await open();
    await before.ensureTopics([{ name: 't', partitions: 1 }]);
    await values(before, 't', 10);
    const sub = await before.subscribe({ group: 'g', topics: ['t'] });
    await sub.commit((await drain(sub, 10)).slice(0, 6));
    await before.close();

    const after = await open();
    assert.deepEqual(await partitionOffsets(after, 't'), { partition: 0, startOffset: 0, endOffset: 10 });
    assert.deepEqual(await after.groupLag('g', ['t']), [{ topic: 't', partition: 0, committed: 6, endOffset: 10, lag: 4 }]);
    const resumed = await after.subscribe({ group: 'g', topics: ['t'] });
    assert.deepEqual(
      (await drain(resumed, 4)).map((r) => [r.offset, r.value.toString()]),
      [
        [6, 'm6'],
        [7, 'm7'],
        [8, 'm8'],
        [9, 'm9'],
      ],
    );
    assert.deepEqual(await after.produce([{ topic: 't', value: 'next' }]), [{ topic: 't', partition: 0, offset: 10 }]);
    assert.deepEqual(
      (await drain(resumed, 1)).map((r) => [r.offset, r.value.toString()]),
      [[10, 'next']],
    );
  });

  it('loses no acknowledged record when the process is killed mid-write (SIGKILL)', async (t) => {
    const { dir, open } = await tempDir(t);
    const entry = fileURLToPath(new URL('../../../src/bus/embedded/index.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
        const { createEmbeddedBus } = await import(${JSON.stringify(entry)});
        const bus = await createEmbeddedBus({ dir: process.env.BUS_DIR, segmentRecords: 500, logger: { info() {}, warn() {}, error() {} } });
        await bus.ensureTopics([{ name: 't', partitions: 2 }]);
        let n = 0;
        await Promise.all(Array.from({ length: 20 }, async () => {
          for (;;) {
            const value = 'v' + n++;
            const [p] = await bus.produce([{ topic: 't', key: value, value }]);
            process.stdout.write(value + ' ' + p.partition + ' ' + p.offset + '\\n');
          }
        }));
        `,
      ],
      { env: { ...process.env, BUS_DIR: dir }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const acked = new Map<string, string>();
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', () => resolve());
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          const [value, partition, offset] = line.split(' ');
          if (value !== undefined) acked.set(`${partition}/${offset}`, value);
        }
        if (acked.size >= 3000) child.kill('SIGKILL');
      });
    });
    assert.ok(acked.size >= 3000, `child acknowledged only ${acked.size} records`);

    const bus = await open({ segmentRecords: 500 });
    const total = (await bus.listTopics())[0]?.partitions.reduce((sum, p) => sum + p.endOffset, 0) ?? 0;
    assert.ok(total >= acked.size);
    const sub = await bus.subscribe({ group: 'verify', topics: ['t'] });
    const stored = new Map((await drain(sub, total)).map((r) => [`${r.partition}/${r.offset}`, r.value.toString()]));
    for (const [position, value] of acked) assert.equal(stored.get(position), value, `acknowledged record at ${position}`);
  });

  it('cuts off a torn write at the end of a segment and continues after the last intact record', async (t) => {
    const { dir, open } = await tempDir(t);
    const before = await open();
    await before.ensureTopics([{ name: 't', partitions: 1 }]);
    await values(before, 't', 3);
    await before.close();
    const [segment] = await segmentFiles(dir, 't-0');
    // A crash mid-append: a frame header promising 100 bytes, followed by only 5 of them.
    const torn = Buffer.alloc(13);
    torn.writeUInt32BE(100, 0);
    await appendFile(join(dir, 'topics', 't-0', segment ?? ''), torn);

    const logger = capturingLogger();
    const after = await open({ logger });
    assert.equal((await partitionOffsets(after, 't'))?.endOffset, 3);
    assert.ok(logger.lines.some((l) => l.level === 'warn' && /cut off unreadable tail/.test(l.msg)));
    assert.deepEqual(await after.produce([{ topic: 't', value: 'after crash' }]), [{ topic: 't', partition: 0, offset: 3 }]);
    const sub = await after.subscribe({ group: 'g', topics: ['t'] });
    assert.deepEqual(
      (await drain(sub, 4)).map((r) => r.value.toString()),
      ['m0', 'm1', 'm2', 'after crash'],
    );
  });

  it('drops a last record whose bytes were damaged (checksum mismatch)', async (t) => {
    const { dir, open } = await tempDir(t);
    const before = await open();
    await before.ensureTopics([{ name: 't', partitions: 1 }]);
    await values(before, 't', 3);
    await before.close();
    const path = join(dir, 'topics', 't-0', (await segmentFiles(dir, 't-0'))[0] ?? '');
    const bytes = await readFile(path);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    await writeFile(path, bytes);

    const after = await open();
    assert.equal((await partitionOffsets(after, 't'))?.endOffset, 2);
    const sub = await after.subscribe({ group: 'g', topics: ['t'] });
    assert.deepEqual(
      (await drain(sub, 2)).map((r) => r.value.toString()),
      ['m0', 'm1'],
    );
  });

  it('refuses to open a directory another bus holds, and reopens once it is closed', async (t) => {
    const { open } = await tempDir(t);
    const first = await open();
    await assert.rejects(open(), { reason: 'DIR_LOCKED' });
    await first.close();
    const second = await open();
    await second.ping();
  });

  it('works with fsync enabled', async (t) => {
    const { open } = await tempDir(t);
    const bus = await open({ fsync: true, segmentRecords: 5 });
    await bus.ensureTopics([{ name: 't', partitions: 1 }]);
    const produced = await values(bus, 't', 12);
    assert.deepEqual(
      produced.map((p) => p.offset),
      Array.from({ length: 12 }, (_, i) => i),
    );
    await bus.close();
    const reopened = await open({ fsync: true });
    assert.equal((await partitionOffsets(reopened, 't'))?.endOffset, 12);
  });
});

describe('embedded bus: segments and retention', () => {
  it('serves records older than the in-memory tail from the segment files, in order', async (t) => {
    const { open } = await tempDir(t);
    const options = { segmentRecords: 400, tailBytesPerPartition: 1000 };
    const bus = await open(options);
    await bus.ensureTopics([{ name: 't', partitions: 1 }]);
    for (let i = 0; i < 10; i++) {
      await bus.produce(
        Array.from({ length: 100 }, (_, j) => ({ topic: 't', key: `k${j}`, partition: 0, value: `v${i * 100 + j}`.repeat(1 + (j % 5)) })),
      );
    }
    const expected = Array.from({ length: 1000 }, (_, i) => [i, `v${i}`.repeat(1 + ((i % 100) % 5)), `k${i % 100}`]);
    const readAll = async (target: Bus, group: string, batch: number) => {
      const sub = await target.subscribe({ group, topics: ['t'] });
      const records: BusRecord[] = [];
      while (records.length < 1000) records.push(...(await sub.poll(batch, 50)));
      assert.deepEqual(
        records.map((r) => [r.offset, r.value.toString(), r.key]),
        expected,
        group,
      );
    };
    // Index built while appending.
    await readAll(bus, 'while-running', 333);
    await bus.close();
    // After a restart the sealed segments have no index yet; reads build it on the way, and
    // later reads at other positions must land on the right record through it.
    const reopened = await open(options);
    await readAll(reopened, 'large-batches', 333);
    await readAll(reopened, 'small-batches', 7);
  });

  it('deletes whole old segments beyond maxRecordsPerPartition and moves startOffset', async (t) => {
    const { dir, open } = await tempDir(t);
    const logger = capturingLogger();
    const bus = await open({ segmentRecords: 10, retention: { maxRecordsPerPartition: 25 }, tailBytesPerPartition: 100, logger });
    await bus.ensureTopics([{ name: 't', partitions: 1 }]);
    const early = await bus.subscribe({ group: 'early', topics: ['t'] });
    await values(bus, 't', 5);
    await early.commit(await drain(early, 5));
    await early.close();

    await values(bus, 't', 56, 'x');
    // 61 records in segments of 10: deleting a segment must still leave at least 25 records.
    assert.deepEqual(await partitionOffsets(bus, 't'), { partition: 0, startOffset: 30, endOffset: 61 });
    assert.deepEqual(await segmentFiles(dir, 't-0'), [
      '00000000000000000030.log',
      '00000000000000000040.log',
      '00000000000000000050.log',
      '00000000000000000060.log',
    ]);

    const fresh = await bus.subscribe({ group: 'fresh', topics: ['t'] });
    assert.deepEqual(
      (await drain(fresh, 31)).map((r) => r.offset),
      Array.from({ length: 31 }, (_, i) => 30 + i),
    );

    // A group committed at 5 lost records 5–29 to retention; it resumes at the oldest one kept.
    const resumed = await bus.subscribe({ group: 'early', topics: ['t'] });
    assert.equal((await resumed.poll(1, 100))[0]?.offset, 30);
    assert.ok(logger.lines.some((l) => l.level === 'warn' && /deleted by retention/.test(l.msg)));
    assert.deepEqual(await bus.groupLag('early', ['t']), [{ topic: 't', partition: 0, committed: 5, endOffset: 61, lag: 56 }]);
  });

  it('deletes segments older than maxAgeMs, including an idle partition after a restart', async (t) => {
    const { dir, open } = await tempDir(t);
    let now = Date.UTC(2025, 0, 1);
    const options = { segmentRecords: 10, retention: { maxAgeMs: 7 * DAY }, clock: () => now };
    const bus = await open(options);
    await bus.ensureTopics([
      { name: 'busy', partitions: 1 },
      { name: 'idle', partitions: 1 },
    ]);
    await values(bus, 'busy', 20);
    await values(bus, 'idle', 5);

    now += 7 * DAY + 1;
    await values(bus, 'busy', 3, 'late');
    assert.deepEqual(await partitionOffsets(bus, 'busy'), { partition: 0, startOffset: 20, endOffset: 23 });
    assert.deepEqual(
      await partitionOffsets(bus, 'idle'),
      { partition: 0, startOffset: 0, endOffset: 5 },
      'no roll yet, nothing deleted yet',
    );
    await bus.close();

    const reopened = await open(options);
    assert.deepEqual(await partitionOffsets(reopened, 'idle'), { partition: 0, startOffset: 5, endOffset: 5 });
    assert.deepEqual(await segmentFiles(dir, 'idle-0'), ['00000000000000000005.log']);
    assert.deepEqual(await reopened.produce([{ topic: 'idle', value: 'fresh' }]), [{ topic: 'idle', partition: 0, offset: 5 }]);
  });

  it('never truncates a compacted topic (its records are the state of their keys)', async (t) => {
    const { open } = await tempDir(t);
    const bus = await open({ segmentRecords: 10, retention: { maxRecordsPerPartition: 15 } });
    await bus.ensureTopics([
      { name: 'banned-products', partitions: 1, config: { 'cleanup.policy': 'compact' } },
      { name: 'plain', partitions: 1 },
    ]);
    await values(bus, 'banned-products', 50);
    await values(bus, 'plain', 50);
    assert.deepEqual(await partitionOffsets(bus, 'banned-products'), { partition: 0, startOffset: 0, endOffset: 50 });
    assert.equal((await partitionOffsets(bus, 'plain'))?.startOffset, 30);
  });

  it("applies a topic's retention.ms instead of the bus default", async (t) => {
    const { open } = await tempDir(t);
    let now = Date.UTC(2025, 0, 1);
    const bus = await open({ segmentRecords: 5, clock: () => now });
    await bus.ensureTopics([{ name: 'short', partitions: 1, config: { 'retention.ms': '60000' } }]);
    await values(bus, 'short', 10);
    now += 60_001;
    await values(bus, 'short', 1);
    assert.equal((await partitionOffsets(bus, 'short'))?.startOffset, 10);
    await assert.rejects(bus.ensureTopics([{ name: 'bad', partitions: 1, config: { 'retention.ms': 'soon' } }]), {
      reason: 'INVALID_TOPIC',
    });
  });
});
