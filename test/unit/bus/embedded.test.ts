import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { partitionForKey } from '../../../src/bus/partitioner.ts';
import { PulseError } from '../../../src/shared/errors.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedBus } from '../../../src/bus/embedded/index.ts';
import { openBus, drain, silentLogger } from '../../helpers/embedded-bus.ts';

describe('embedded bus: produce', () => {
  it('places keyed records on the partition Kafka would choose', async (t) => {
    const bus = await openBus(t);
    await bus.ensureTopics([{ name: 'user-activity', partitions: 6 }]);
    const keys = Array.from({ length: 50 }, (_, i) => `session-${i}`);
    const produced = await bus.produce(keys.map((key) => ({ topic: 'user-activity', key, value: key })));
    assert.deepEqual(
      produced.map((p) => p.partition),
      keys.map((key) => partitionForKey(key, 6)),
    );
  });

  it('honours an explicit partition and rotates keyless records', async (t) => {
    const bus = await openBus(t);
    await bus.ensureTopics([{ name: 't', partitions: 3 }]);
    const explicit = await bus.produce([{ topic: 't', key: 'k', partition: 2, value: 'x' }]);
    assert.equal(explicit[0]?.partition, 2);
    const keyless = await bus.produce(Array.from({ length: 6 }, () => ({ topic: 't', value: 'v' })));
    assert.deepEqual(keyless.map((p) => p.partition).sort(), [0, 0, 1, 1, 2, 2]);
  });

  it('assigns increasing offsets and keeps order within a partition', async (t) => {
    const bus = await openBus(t);
    await bus.ensureTopics([{ name: 't', partitions: 2 }]);
    for (let i = 0; i < 20; i++) await bus.produce([{ topic: 't', partition: 1, value: `m${i}`, headers: { seq: String(i) } }]);
    const sub = await bus.subscribe({ group: 'g', topics: ['t'] });
    const records = await drain(sub, 20);
    assert.deepEqual(
      records.map((r) => [r.partition, r.offset, r.value.toString(), r.headers['seq']]),
      Array.from({ length: 20 }, (_, i) => [1, i, `m${i}`, String(i)]),
    );
  });

  it('round-trips keys, null keys, headers, binary values and timestamps', async (t) => {
    const now = 1_700_000_000_000;
    const bus = await openBus(t, { clock: () => now });
    await bus.ensureTopics([{ name: 't', partitions: 1 }]);
    const binary = Buffer.from([0, 255, 10, 13, 0]);
    await bus.produce([
      { topic: 't', key: 'ключ', value: binary, headers: { reason: 'schema: missing url' } },
      { topic: 't', value: '' },
    ]);
    const sub = await bus.subscribe({ group: 'g', topics: ['t'] });
    const [first, second] = await drain(sub, 2);
    assert.deepEqual(first, {
      topic: 't',
      partition: 0,
      offset: 0,
      key: 'ключ',
      value: binary,
      headers: { reason: 'schema: missing url' },
      timestamp: now,
    });
    assert.deepEqual(second, { topic: 't', partition: 0, offset: 1, key: null, value: Buffer.alloc(0), headers: {}, timestamp: now });
  });

  it('rejects a record for an unknown topic and stores none of the call', async (t) => {
    const bus = await openBus(t);
    await bus.ensureTopics([{ name: 'known', partitions: 1 }]);
    await assert.rejects(
      bus.produce([
        { topic: 'known', value: 'a' },
        { topic: 'missing', value: 'b' },
      ]),
      { name: 'EmbeddedBusError', reason: 'UNKNOWN_TOPIC', code: 'PULSE_BUS_UNKNOWN_TOPIC', message: /topic "missing" does not exist/ },
    );
    const [known] = await bus.listTopics();
    assert.equal(known?.partitions[0]?.endOffset, 0);
  });

  it('rejects bad partitions and oversized records', async (t) => {
    const bus = await openBus(t, { maxRecordBytes: 100 });
    await bus.ensureTopics([{ name: 't', partitions: 2 }]);
    await assert.rejects(bus.produce([{ topic: 't', partition: 2, value: 'x' }]), { reason: 'INVALID_PARTITION' });
    await assert.rejects(bus.produce([{ topic: 't', value: 'x'.repeat(101) }]), { reason: 'RECORD_TOO_LARGE' });
  });

  it('stores 10,000 records from 100 concurrent callers exactly once', async (t) => {
    const bus = await openBus(t);
    await bus.ensureTopics([{ name: 't', partitions: 4 }]);
    const callers = Array.from({ length: 100 }, (_, c) =>
      (async () => {
        const produced = [];
        for (let i = 0; i < 100; i++) {
          const [one] = await bus.produce([{ topic: 't', key: `user-${(c * 7 + i) % 37}`, value: `${c}:${i}` }]);
          produced.push(one);
        }
        return produced;
      })(),
    );
    const produced = (await Promise.all(callers)).flat();
    assert.equal(produced.length, 10_000);
    const positions = new Set(produced.map((p) => `${p?.partition}/${p?.offset}`));
    assert.equal(positions.size, 10_000, 'every record got its own offset');

    const topics = await bus.listTopics();
    const total = topics[0]?.partitions.reduce((sum, p) => sum + p.endOffset, 0);
    assert.equal(total, 10_000);

    const sub = await bus.subscribe({ group: 'g', topics: ['t'] });
    const records = await drain(sub, 10_000);
    const values = new Set(records.map((r) => r.value.toString()));
    assert.equal(values.size, 10_000);
    for (let c = 0; c < 100; c++) for (let i = 0; i < 100; i++) assert.ok(values.has(`${c}:${i}`));
    // Each caller's records keep their order within their partition.
    const lastOffset = new Map<string, number>();
    for (const r of records) {
      const [c] = r.value.toString().split(':');
      const k = `${c}/${r.partition}`;
      assert.ok((lastOffset.get(k) ?? -1) < r.offset);
      lastOffset.set(k, r.offset);
    }
    assert.deepEqual(await sub.poll(10, 0), []);
  });

  it('refuses produce after close but writes everything accepted before it', async (t) => {
    const bus = await openBus(t);
    await bus.ensureTopics([{ name: 't', partitions: 1 }]);
    const accepted = bus.produce([{ topic: 't', value: 'before close' }]);
    await bus.close();
    assert.deepEqual(await accepted, [{ topic: 't', partition: 0, offset: 0 }]);
    await assert.rejects(
      bus.produce([{ topic: 't', value: 'late' }]),
      (err) => err instanceof PulseError && err.code === 'PULSE_BUS_CLOSED' && !err.retriable,
    );
    await assert.rejects(bus.ping(), { reason: 'BUS_CLOSED' });
  });
});

describe('embedded bus: topics and lag', () => {
  it('creates topics once and lists them with offsets', async (t) => {
    const bus = await openBus(t);
    await bus.ensureTopics([
      { name: 'b', partitions: 2 },
      { name: 'a', partitions: 1 },
    ]);
    await bus.ensureTopics([{ name: 'a', partitions: 5 }]);
    await bus.produce([
      { topic: 'b', partition: 1, value: 'x' },
      { topic: 'b', partition: 1, value: 'y' },
    ]);
    assert.deepEqual(await bus.listTopics(), [
      { name: 'a', partitions: [{ partition: 0, startOffset: 0, endOffset: 0 }] },
      {
        name: 'b',
        partitions: [
          { partition: 0, startOffset: 0, endOffset: 0 },
          { partition: 1, startOffset: 0, endOffset: 2 },
        ],
      },
    ]);
    await assert.rejects(bus.ensureTopics([{ name: 'bad/name', partitions: 1 }]), { reason: 'INVALID_TOPIC' });
    await assert.rejects(bus.ensureTopics([{ name: 'zero', partitions: 0 }]), { reason: 'INVALID_TOPIC' });
    await bus.ping();
  });

  it('reports committed offset, end offset and lag per partition', async (t) => {
    const bus = await openBus(t);
    await bus.ensureTopics([{ name: 't', partitions: 2 }]);
    await bus.produce([
      ...Array.from({ length: 5 }, () => ({ topic: 't', partition: 0, value: 'p0' })),
      ...Array.from({ length: 3 }, () => ({ topic: 't', partition: 1, value: 'p1' })),
    ]);
    assert.deepEqual(await bus.groupLag('g', ['t']), [
      { topic: 't', partition: 0, committed: null, endOffset: 5, lag: 5 },
      { topic: 't', partition: 1, committed: null, endOffset: 3, lag: 3 },
    ]);
    const sub = await bus.subscribe({ group: 'g', topics: ['t'] });
    const records = await drain(sub, 8);
    await sub.commit(records.filter((r) => r.partition === 0 && r.offset < 2));
    assert.deepEqual(await bus.groupLag('g', ['t']), [
      { topic: 't', partition: 0, committed: 2, endOffset: 5, lag: 3 },
      { topic: 't', partition: 1, committed: null, endOffset: 3, lag: 3 },
    ]);
    await sub.commit(records);
    assert.deepEqual(
      (await bus.groupLag('g', ['t'])).map((l) => [l.committed, l.lag]),
      [
        [5, 0],
        [3, 0],
      ],
    );
    await assert.rejects(bus.groupLag('g', ['nope']), { reason: 'UNKNOWN_TOPIC' });
  });
});

describe('embedded bus: tombstones', () => {
  it('a null value is a tombstone, kept across a restart, and its marker never shows as a header', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'pulse-tomb-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const first = await createEmbeddedBus({ dir, logger: silentLogger });
    await first.ensureTopics([{ name: 'table', partitions: 1, config: { 'cleanup.policy': 'compact' } }]);
    await first.produce([
      { topic: 'table', key: 'a', value: '1' },
      { topic: 'table', key: 'a', value: null, headers: { why: 'deleted' } },
    ]);
    await first.close();
    const bus = await createEmbeddedBus({ dir, logger: silentLogger });
    try {
      const records = await drain(await bus.subscribe({ group: 'g', topics: ['table'] }), 2);
      assert.deepEqual(
        records.map((r) => [r.key, r.value.toString(), r.tombstone === true, r.headers]),
        [
          ['a', '1', false, {}],
          ['a', '', true, { why: 'deleted' }],
        ],
      );
    } finally {
      await bus.close();
    }
  });
});
