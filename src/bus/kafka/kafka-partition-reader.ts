import { FetchIsolationLevels, IS_CONTROL, type Consumer, type fetchV17 } from '@platformatic/kafka';
import type { BusRecord } from '../bus.ts';

type FetchRequestTopic = fetchV17.FetchRequestTopic;
type FetchResponse = fetchV17.FetchResponse;

/** One partition read: where it lives (leader, topic id) and from where. */
export interface PartitionRead {
  leader: number;
  topic: string;
  topicId: string;
  partition: number;
  offset: number;
  maxRecords: number;
}

interface Pending extends PartitionRead {
  resolve(records: BusRecord[]): void;
  reject(error: unknown): void;
}

/** Bytes asked per partition: enough for the records wanted at typical sizes; Kafka sends a larger first batch whole anyway. */
const partitionBytes = (maxRecords: number): number => Math.min(8 * 2 ** 20, Math.max(64 * 1024, maxRecords * 512));

/**
 * Reads partitions with a consumer that never joins a group: `Consumer.fetch` on the partition's
 * leader, from any offset (manual assignment in Kafka's terms). Reads asked for in the same tick
 * are sent together, one Fetch per leader; a leader's fetches run one at a time, because the
 * client keeps one incremental fetch session per broker and concurrent requests on it would
 * race its epoch.
 */
export function createPartitionReader(consumer: Consumer<Buffer, Buffer, Buffer, Buffer>): {
  read(request: PartitionRead): Promise<BusRecord[]>;
} {
  const queues = new Map<number, { pending: Pending[]; running: boolean }>();

  const fetchBatch = async (leader: number, batch: readonly Pending[]): Promise<void> => {
    const topics = new Map<string, FetchRequestTopic>();
    for (const read of batch) {
      const topic = topics.get(read.topicId) ?? { topicId: read.topicId, partitions: [] };
      topics.set(read.topicId, topic);
      topic.partitions.push({
        partition: read.partition,
        currentLeaderEpoch: -1,
        fetchOffset: BigInt(read.offset),
        lastFetchedEpoch: -1,
        partitionMaxBytes: partitionBytes(read.maxRecords),
      });
    }
    const maxBytes = Math.min(
      50 * 2 ** 20,
      batch.reduce((sum, read) => sum + partitionBytes(read.maxRecords), 0),
    );
    let response: FetchResponse;
    try {
      response = await consumer.fetch({
        node: leader,
        topics: [...topics.values()],
        maxWaitTime: 0,
        minBytes: 0,
        maxBytes,
        isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED,
      });
    } catch (error) {
      // An error of some partitions (e.g. an offset out of range) fails only their reads.
      const partial = (error as { response?: FetchResponse }).response;
      for (const read of batch) {
        const failure = partial === undefined ? error : partitionError(error, partial, read);
        if (failure === null && partial !== undefined) read.resolve(recordsOf(partial, read));
        else read.reject(failure);
      }
      return;
    }
    // A broker returns a record batch larger than the partition's byte budget only for the first
    // partition of a Fetch (KIP-74); any other partition whose next batch is that large comes back
    // empty though records lie ahead. Such a read is asked again alone, where it is first.
    const alone: Pending[] = [];
    for (const read of batch) {
      const records = recordsOf(response, read);
      if (records.length === 0 && batch.length > 1 && hasRecordsAhead(response, read)) alone.push(read);
      else read.resolve(records);
    }
    for (const read of alone) await fetchBatch(leader, [read]);
  };

  const pump = async (leader: number): Promise<void> => {
    const queue = queues.get(leader);
    if (queue === undefined || queue.running) return;
    queue.running = true;
    try {
      while (queue.pending.length > 0) {
        // One request cannot name a partition twice: a second read of it waits for the next round.
        const batch: Pending[] = [];
        const later: Pending[] = [];
        const named = new Set<string>();
        for (const read of queue.pending) {
          const key = `${read.topicId}:${read.partition}`;
          if (named.has(key)) later.push(read);
          else {
            named.add(key);
            batch.push(read);
          }
        }
        queue.pending = later;
        await fetchBatch(leader, batch);
      }
    } finally {
      queue.running = false;
    }
  };

  return {
    read(request) {
      return new Promise<BusRecord[]>((resolve, reject) => {
        let queue = queues.get(request.leader);
        if (queue === undefined) {
          queue = { pending: [], running: false };
          queues.set(request.leader, queue);
        }
        queue.pending.push({ ...request, resolve, reject });
        // Reads asked for in this tick (all partitions of one page) join one request.
        if (queue.pending.length === 1 && !queue.running) setImmediate(() => void pump(request.leader));
      });
    },
  };
}

/** The client's error for one partition of a failed Fetch (its `path` names the place in the response); null when that partition has none. */
function partitionError(error: unknown, response: FetchResponse, read: PartitionRead): unknown {
  const topicIndex = response.responses.findIndex((t) => t.topicId === read.topicId);
  const partitionIndex = response.responses[topicIndex]?.partitions.findIndex((p) => p.partitionIndex === read.partition) ?? -1;
  if (topicIndex < 0 || partitionIndex < 0) return null;
  if (response.responses[topicIndex]?.partitions[partitionIndex]?.errorCode === 0) return null;
  const path = `/responses/${topicIndex}/partitions/${partitionIndex}`;
  const inner = ((error as { errors?: unknown[] }).errors ?? []).find((e) => (e as { path?: unknown }).path === path);
  return inner ?? error;
}

/** Whether a Fetch answer says the partition holds records at or after the offset that was asked for. */
function hasRecordsAhead(response: FetchResponse, read: PartitionRead): boolean {
  const topic = response.responses.find((t) => t.topicId === read.topicId);
  const partition = topic?.partitions.find((p) => p.partitionIndex === read.partition);
  return partition !== undefined && partition.errorCode === 0 && partition.highWatermark > BigInt(read.offset);
}

/** The records of one partition in a Fetch answer, from the offset asked for, control records left out. */
function recordsOf(response: FetchResponse, read: PartitionRead): BusRecord[] {
  const out: BusRecord[] = [];
  const from = BigInt(read.offset);
  for (const topic of response.responses) {
    if (topic.topicId !== read.topicId) continue;
    for (const partition of topic.partitions) {
      if (partition.partitionIndex !== read.partition) continue;
      for (const batch of partition.records ?? []) {
        if ((batch.attributes & IS_CONTROL) !== 0) continue;
        for (const record of batch.records) {
          const offset = batch.firstOffset + BigInt(record.offsetDelta);
          if (offset < from) continue;
          if (out.length >= read.maxRecords) return out;
          const headers: Record<string, string> = {};
          for (const [name, value] of record.headers) if (name !== null) headers[name.toString()] = value?.toString() ?? '';
          out.push({
            topic: read.topic,
            partition: read.partition,
            offset: Number(offset),
            key: record.key === null || record.key.length === 0 ? null : record.key.toString(),
            value: record.value ?? Buffer.alloc(0),
            headers,
            timestamp: Number(batch.firstTimestamp + record.timestampDelta),
            ...(record.value === null ? { tombstone: true } : {}),
          });
        }
      }
    }
  }
  return out;
}
