import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { createPartitioner, murmur2, partitionForKey, toPositive } from '../../../src/bus/partitioner.ts';

describe('murmur2', () => {
  it('matches the vectors of Kafka UtilsTest.testMurmur2', () => {
    const vectors: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, expected] of vectors) {
      assert.equal(murmur2(Buffer.from(key)), expected, key);
    }
  });

  it('covers every tail length (0–3 trailing bytes)', () => {
    // Values computed by the Java client (quoted by the Akka/Pekko Kafka-compat tests).
    const vectors: Array<[string, number]> = [
      ['1', -1993445489],
      ['12', 126087238],
      ['123', -267702483],
      ['1234', -1614185708],
      ['12345', -1188365604],
    ];
    for (const [key, expected] of vectors) {
      assert.equal(murmur2(Buffer.from(key)), expected, key);
    }
  });
});

describe('toPositive', () => {
  it('clears the sign bit like Kafka, rather than taking the absolute value', () => {
    assert.equal(toPositive(-973932308), -973932308 & 0x7fffffff);
    assert.equal(toPositive(-1), 0x7fffffff);
    assert.equal(toPositive(-2147483648), 0);
    assert.equal(toPositive(42), 42);
  });
});

describe('partitionForKey', () => {
  it('agrees with kafkajs DefaultPartitioner (Java-compatible) for many keys and partition counts', () => {
    const kafkajsPartitioner = kafkajs.Partitioners.DefaultPartitioner();
    const keys = [
      '',
      'a',
      'user-1',
      'session-0b7c5e2a-4c1e-4f0b-9c8e-2d7f6a1b3c4d',
      'página/ünïcødé/日本語/🚀',
      ...Array.from({ length: 500 }, (_, i) => `page-${i}`),
    ];
    for (const partitions of [1, 2, 3, 6, 7, 12, 32, 100]) {
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
        partitionErrorCode: 0,
        partitionId,
        leader: 1,
        replicas: [1],
        isr: [1],
      }));
      for (const key of keys) {
        const expected = kafkajsPartitioner({ topic: 't', partitionMetadata, message: { key, value: 'v' } });
        assert.equal(partitionForKey(key, partitions), expected, `${key} / ${partitions}`);
      }
    }
  });

  it('is toPositive(murmur2(utf8 key)) % partitions', () => {
    assert.equal(partitionForKey('21', 10), (-973932308 & 0x7fffffff) % 10);
    assert.equal(partitionForKey('foobar', 7), (-790332482 & 0x7fffffff) % 7);
  });

  it('rejects a non-positive partition count', () => {
    assert.throws(() => partitionForKey('k', 0), RangeError);
    assert.throws(() => partitionForKey('k', 1.5), RangeError);
  });
});

describe('createPartitioner', () => {
  it('sends keyed records by murmur2 and rotates keyless records per topic', () => {
    const partitioner = createPartitioner();
    assert.equal(partitioner.choose('t', 'foobar', 7), partitionForKey('foobar', 7));
    const a = [0, 1, 2, 3, 4].map(() => partitioner.choose('a', undefined, 3));
    const b = [0, 1].map(() => partitioner.choose('b', null, 3));
    assert.deepEqual(a, [0, 1, 2, 0, 1]);
    assert.deepEqual(b, [0, 1]);
  });
});
