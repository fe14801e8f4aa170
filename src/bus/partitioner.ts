/**
 * Kafka's default partitioning, bit for bit: the Java client's `Utils.murmur2` over the key's
 * UTF-8 bytes, then `toPositive(hash) % numPartitions`. The embedded log uses it so a key lands on
 * the same partition number it would on a real cluster with the same partition count — moving
 * from `pulse start` to Kafka keeps per-key ordering assumptions and partition-level metrics valid.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** Signed 32-bit murmur2, identical to `org.apache.kafka.common.utils.Utils.murmur2`. */
export function murmur2(data: Buffer): number {
  const length = data.length;
  let h = SEED ^ length;
  const length4 = length >>> 2;

  for (let i = 0; i < length4; i++) {
    // Java reads each block little-endian into a signed int; readInt32LE yields the same bits.
    let k = data.readInt32LE(i * 4);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }

  // Java's fall-through switch over the 1–3 trailing bytes.
  const tail = length & ~3;
  const remaining = length & 3;
  if (remaining >= 3) h ^= data.readUInt8(tail + 2) << 16;
  if (remaining >= 2) h ^= data.readUInt8(tail + 1) << 8;
  if (remaining >= 1) {
    h ^= data.readUInt8(tail);
    h = Math.imul(h, M);
  }

  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's `Utils.toPositive`: drops the sign bit (not `Math.abs`, which differs for negatives). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

export function partitionForKey(key: string, partitions: number): number {
  assertPartitionCount(partitions);
  return toPositive(murmur2(Buffer.from(key, 'utf8'))) % partitions;
}

/**
 * Keyed records use murmur2; records without a key rotate over the partitions per topic
 * (Kafka's pre-2.4 round-robin; the sticky partitioner only matters for broker batching).
 */
export interface Partitioner {
  choose(topic: string, key: string | null | undefined, partitions: number): number;
}

export function createPartitioner(): Partitioner {
  const counters = new Map<string, number>();
  return {
    choose(topic, key, partitions) {
      if (key !== null && key !== undefined) return partitionForKey(key, partitions);
      assertPartitionCount(partitions);
      const next = counters.get(topic) ?? 0;
      counters.set(topic, (next + 1) % partitions);
      return next % partitions;
    },
  };
}

function assertPartitionCount(partitions: number): void {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`partition count must be a positive integer, got ${partitions}`);
  }
}
