import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Bus, BusRecord } from '../../../src/bus/bus.ts';
import { assignRoundRobin } from '../../../src/bus/embedded/group-coordinator.ts';
import { openBus, drain } from '../../helpers/embedded-bus.ts';

function produceN(bus: Bus, topic: string, n: number, prefix = 'm') {
  return bus.produce(Array.from({ length: n }, (_, i) => ({ topic, key: `k${i}`, value: `${prefix}${i}` })));
}

const ids = (records: readonly BusRecord[]) => records.map((r) => `${r.partition}/${r.offset}`).sort();

describe('round-robin assignment', () => {
  it('deals partitions evenly and only to members subscribed to the topic', () => {
    const assignment = assignRoundRobin(
      [
        { id: 1, topics: ['a', 'b'] },
        { id: 2, topics: ['a'] },
      ],
      (topic) => (topic === 'a' ? 4 : 2),
    );
    assert.deepEqual(assignment.get(1), [
      { topic: 'a', partition: 0 },
      { topic: 'a', partition: 2 },
      { topic: 'b', partition: 0 },
      { topic: 'b', partition: 1 },
    ]);
    assert.deepEqual(assignment.get(2), [
      { topic: 'a', partition: 1 },
      { topic: 'a', partition: 3 },
    ]);
  });
});

describe('embedded bus: consumer groups', () => {
  it('splits partitions between two members, which together get every record exactly once', async (t) => {
    const bus = await openBus(t);
    await bus.ensureTopics([{ name: 't', partitions: 4 }]);
    const a = await bus.subscribe({ group: 'g', topics: ['t'] });
    const b = await bus.subscribe({ group: 'g', topics: ['t'] });
    const produced = await produceN(bus, 't', 200);

    const fromA: BusRecord[] = [];
    const fromB: BusRecord[] = [];
    const deadline = Date.now() + 5000;
    while (fromA.length + fromB.length < 200 && Date.now() < deadline) {
      fromA.push(...(await a.poll(30, 20)));
      fromB.push(...(await b.poll(30, 20)));
    }
    assert.ok(fromA.length > 0 && fromB.length > 0, 'both members received records');
    const partitionsA = new Set(fromA.map((r) => r.partition));
    const partitionsB = new Set(fromB.map((r) => r.partition));
    assert.deepEqual(
      [...partitionsA].filter((p) => partitionsB.has(p)),
      [],
      'no partition is shared',
    );
    assert.deepEqual(ids([...fromA, ...fromB]), produced.map((p) => `${p.partition}/${p.offset}`).sort());
    assert.deepEqual([...(await a.poll(100, 0)), ...(await b.poll(100, 0))], []);
  });

  it('also splits the partitions of a group that is already consuming (rebalance on join)', async (t) => {
    const bus = await openBus(t);
    await bus.ensureTopics([{ name: 't', partitions: 2 }]);
    const a = await bus.subscribe({ group: 'g', topics: ['t'] });
    await bus.produce([
      { topic: 't', partition: 0, value: 'x' },
      { topic: 't', partition: 1, value: 'y' },
    ]);
    await a.commit(await drain(a, 2));
    const b = await bus.subscribe({ group: 'g', topics: ['t'] });
    await bus.produce([
      { topic: 't', partition: 0, value: 'x2' },
      { topic: 't', partition: 1, value: 'y2' },
    ]);
    const [fromA] = await drain(a, 1);
    const [fromB] = await drain(b, 1);
    assert.deepEqual([fromA?.value.toString(), fromB?.value.toString()].sort(), ['x2', 'y2']);
    assert.notEqual(fromA?.partition, fromB?.partition);
  });

  it('redelivers an uncommitted batch after close to the next subscription of the group', async (t) => {
    const bus = await openBus(t);
    await bus.ensureTopics([{ name: 't', partitions: 1 }]);
    await produceN(bus, 't', 10);
    const first = await bus.subscribe({ group: 'g', topics: ['t'] });
    const batch1 = await first.poll(4, 100);
    await first.commit(batch1);
    const batch2 = await first.poll(3, 100);
    assert.deepEqual(
      batch2.map((r) => r.offset),
      [4, 5, 6],
    );
    await first.close();

    const second = await bus.subscribe({ group: 'g', topics: ['t'] });
    const again = await drain(second, 6);
    assert.deepEqual(
      again.map((r) => r.offset),
      [4, 5, 6, 7, 8, 9],
    );
    assert.deepEqual(
      again.map((r) => r.value.toString()),
      ['m4', 'm5', 'm6', 'm7', 'm8', 'm9'],
    );
    await assert.rejects(first.poll(1, 0), { reason: 'SUBSCRIPTION_CLOSED' });
  });

  it('moves the partitions of a closed member to the remaining one, from the last commit', async (t) => {
    const bus = await openBus(t);
    await bus.ensureTopics([{ name: 't', partitions: 2 }]);
    const a = await bus.subscribe({ group: 'g', topics: ['t'] });
    const b = await bus.subscribe({ group: 'g', topics: ['t'] });
    await bus.produce(Array.from({ length: 6 }, (_, i) => ({ topic: 't', partition: i % 2, value: `v${i}` })));
    const fromB = await drain(b, 3);
    const ownedByB = fromB[0]?.partition;
    await b.commit(fromB.slice(0, 1));
    await b.close();

    const fromA = await drain(a, 5);
    const movedOver = fromA.filter((r) => r.partition === ownedByB).map((r) => r.offset);
    assert.deepEqual(movedOver, [1, 2], 'the two uncommitted records of the closed member are redelivered');
  });

  it('ignores a commit for a partition the member no longer owns', async (t) => {
    const bus = await openBus(t);
    await bus.ensureTopics([{ name: 't', partitions: 2 }]);
    await bus.produce([
      { topic: 't', partition: 0, value: 'a' },
      { topic: 't', partition: 1, value: 'b' },
    ]);
    const a = await bus.subscribe({ group: 'g', topics: ['t'] });
    const both = await drain(a, 2);
    // Round-robin in join order: a keeps partition 0, the newcomer b takes partition 1.
    const b = await bus.subscribe({ group: 'g', topics: ['t'] });
    await a.commit(both);
    assert.deepEqual(
      (await bus.groupLag('g', ['t'])).map((l) => [l.partition, l.committed]),
      [
        [0, 1],
        [1, null],
      ],
    );
    const redelivered = await drain(b, 1);
    assert.deepEqual([redelivered[0]?.partition, redelivered[0]?.value.toString()], [1, 'b']);
    assert.equal(redelivered[0]?.offset, 0, 'the new owner starts from the (uncommitted) beginning');
  });

  it("starts a new group at the end with from: 'latest'", async (t) => {
    const bus = await openBus(t);
    await bus.ensureTopics([{ name: 't', partitions: 1 }]);
    await produceN(bus, 't', 5, 'old');
    const sub = await bus.subscribe({ group: 'fresh', topics: ['t'], from: 'latest' });
    assert.deepEqual(await sub.poll(10, 30), []);
    await produceN(bus, 't', 2, 'new');
    const records = await drain(sub, 2);
    assert.deepEqual(
      records.map((r) => [r.offset, r.value.toString()]),
      [
        [5, 'new0'],
        [6, 'new1'],
      ],
    );
    const earliest = await bus.subscribe({ group: 'other', topics: ['t'], from: 'earliest' });
    assert.equal((await drain(earliest, 7))[0]?.value.toString(), 'old0');
  });

  it("resumes from the committed offset even when from: 'latest'", async (t) => {
    const bus = await openBus(t);
    await bus.ensureTopics([{ name: 't', partitions: 1 }]);
    await produceN(bus, 't', 3);
    const first = await bus.subscribe({ group: 'g', topics: ['t'] });
    await first.commit((await drain(first, 3)).slice(0, 1));
    await first.close();
    const second = await bus.subscribe({ group: 'g', topics: ['t'], from: 'latest' });
    assert.deepEqual(
      (await drain(second, 2)).map((r) => r.offset),
      [1, 2],
    );
  });

  it('wakes a waiting poll as soon as a record is produced', async (t) => {
    const bus = await openBus(t);
    await bus.ensureTopics([{ name: 't', partitions: 3 }]);
    const sub = await bus.subscribe({ group: 'g', topics: ['t'] });
    const started = Date.now();
    const polled = sub.poll(10, 10_000);
    setTimeout(() => void bus.produce([{ topic: 't', key: 'late', value: 'hello' }]), 100);
    const records = await polled;
    const waited = Date.now() - started;
    assert.deepEqual(
      records.map((r) => r.value.toString()),
      ['hello'],
    );
    assert.ok(waited >= 90 && waited < 2000, `poll returned after ${waited} ms`);
  });

  it('returns an empty batch after waitMs when nothing arrives', async (t) => {
    const bus = await openBus(t);
    await bus.ensureTopics([{ name: 't', partitions: 1 }]);
    const sub = await bus.subscribe({ group: 'g', topics: ['t'] });
    const started = Date.now();
    assert.deepEqual(await sub.poll(10, 150), []);
    assert.ok(Date.now() - started >= 140);
  });

  it('ends a waiting poll when the bus closes', async (t) => {
    const bus = await openBus(t);
    await bus.ensureTopics([{ name: 't', partitions: 1 }]);
    const sub = await bus.subscribe({ group: 'g', topics: ['t'] });
    const polled = sub.poll(10, 10_000);
    const started = Date.now();
    await bus.close();
    assert.deepEqual(await polled, []);
    assert.ok(Date.now() - started < 1000);
    await assert.rejects(sub.poll(1, 0), { reason: 'SUBSCRIPTION_CLOSED' });
  });

  it('rejects a subscription to an unknown topic', async (t) => {
    const bus = await openBus(t);
    await assert.rejects(bus.subscribe({ group: 'g', topics: ['nope'] }), { reason: 'UNKNOWN_TOPIC' });
  });
});
