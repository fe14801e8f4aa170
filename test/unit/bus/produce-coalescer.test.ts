import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OutgoingRecord } from '../../../src/bus/bus.ts';
import { createProduceCoalescer } from '../../../src/bus/kafka/produce-coalescer.ts';

const records = (n: number, tag: string): OutgoingRecord[] => Array.from({ length: n }, (_, i) => ({ topic: 't', value: `${tag}${i}` }));

test('concurrent callers share produce requests and each gets its own offsets', async () => {
  const sends: number[] = [];
  let offset = 0;
  const coalescer = createProduceCoalescer(
    async (batch) => {
      sends.push(batch.length);
      return batch.map((r) => ({ topic: r.topic, partition: 0, offset: offset++ }));
    },
    { maxRecords: 100, maxBytes: 1_000_000, maxInFlight: 1 },
  );
  const results = await Promise.all(Array.from({ length: 30 }, (_, i) => coalescer.produce(records(10, `c${i}-`))));
  assert.equal(
    sends.reduce((a, b) => a + b, 0),
    300,
  );
  assert.ok(sends.length <= 4, `300 records in ${sends.length} requests`);
  assert.ok(sends.every((n) => n <= 100));
  const offsets = results.flat().map((r) => r.offset);
  assert.deepEqual(
    offsets,
    [...offsets].sort((a, b) => a - b),
  );
  assert.equal(new Set(offsets).size, 300);
  assert.ok(results.every((r) => r.length === 10));
});

test('a failed request rejects exactly the callers it carried', async () => {
  let call = 0;
  const coalescer = createProduceCoalescer(
    async (batch) => {
      call += 1;
      if (call === 1) throw new Error('broker down');
      return batch.map(() => ({ topic: 't', partition: 0, offset: 0 }));
    },
    { maxRecords: 5, maxBytes: 1_000_000, maxInFlight: 1 },
  );
  const outcomes = await Promise.allSettled([coalescer.produce(records(5, 'a')), coalescer.produce(records(5, 'b'))]);
  assert.deepEqual(
    outcomes.map((o) => o.status),
    ['rejected', 'fulfilled'],
  );
});

test('requests stay under the byte limit; one caller larger than the limit is split, offsets kept in order', async () => {
  const sizes: number[] = [];
  let offset = 0;
  const coalescer = createProduceCoalescer(
    async (batch) => {
      sizes.push(batch.reduce((sum, r) => sum + String(r.value).length, 0));
      return batch.map((r) => ({ topic: r.topic, partition: 0, offset: offset++ }));
    },
    { maxRecords: 10_000, maxBytes: 10_000, maxInFlight: 1 },
  );
  const big = Array.from({ length: 30 }, (_, i) => ({ topic: 't', value: `${i}`.padEnd(1000, 'x') }));
  const [small, large] = await Promise.all([coalescer.produce(records(5, 's')), coalescer.produce(big)]);
  assert.equal(small.length, 5);
  assert.equal(large.length, 30);
  assert.ok(
    sizes.every((size) => size <= 10_000),
    `request sizes ${sizes.join(',')}`,
  );
  assert.ok(sizes.length >= 4);
});
