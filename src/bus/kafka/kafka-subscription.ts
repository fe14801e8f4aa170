import { Consumer, type Message, type MessagesStream } from '@platformatic/kafka';
import { once } from 'node:events';
import type { BusRecord, SubscribeOptions, Subscription } from '../bus.ts';

interface ClientOptions {
  bootstrapBrokers: string[];
  clientId: string;
  timeout: number;
  retries: number;
  retryDelay: number;
}

type RawMessage = Message<Buffer, Buffer, Buffer, Buffer>;

/** A consumer-group member with pull semantics: the worker decides when a batch is done and commits it. */
export async function subscribeKafka(client: ClientOptions, options: SubscribeOptions): Promise<Subscription> {
  const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
    ...client,
    groupId: options.group,
    sessionTimeout: 10_000,
    rebalanceTimeout: 15_000,
    heartbeatInterval: 1_000,
  });
  const stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> = await consumer.consume({
    topics: options.topics,
    autocommit: false,
    mode: 'committed',
    fallbackMode: options.from ?? 'earliest',
    maxWaitTime: 200,
  });
  // Commits need the leader epoch of the partition the record came from.
  const epochs = new Map<string, number>();
  let failure: unknown;
  stream.on('error', (error: unknown) => {
    failure = error;
  });

  const toRecord = (message: RawMessage): BusRecord => {
    epochs.set(`${message.topic}:${message.partition}`, message.leaderEpoch);
    const headers: Record<string, string> = {};
    for (const [k, v] of message.headers) headers[k.toString()] = v.toString();
    return {
      topic: message.topic,
      partition: message.partition,
      offset: Number(message.offset),
      key: message.key === undefined || message.key === null || message.key.length === 0 ? null : message.key.toString(),
      value: message.value ?? Buffer.alloc(0),
      headers,
      timestamp: Number(message.timestamp),
    };
  };

  return {
    async poll(max, waitMs) {
      const records: BusRecord[] = [];
      const deadline = Date.now() + waitMs;
      while (records.length < max) {
        if (failure !== undefined) throw failure;
        const message = stream.read() as RawMessage | null;
        if (message !== null) {
          records.push(toRecord(message));
          continue;
        }
        const remaining = deadline - Date.now();
        if (records.length > 0 || remaining <= 0 || stream.destroyed) break;
        await readableWithin(stream, remaining);
      }
      return records;
    },
    async commit(records) {
      const next = new Map<string, { topic: string; partition: number; offset: bigint; leaderEpoch: number }>();
      for (const r of records) {
        const slot = `${r.topic}:${r.partition}`;
        const current = next.get(slot);
        if (current === undefined || current.offset < BigInt(r.offset + 1)) {
          next.set(slot, { topic: r.topic, partition: r.partition, offset: BigInt(r.offset + 1), leaderEpoch: epochs.get(slot) ?? -1 });
        }
      }
      if (next.size > 0) await consumer.commit({ offsets: [...next.values()] });
    },
    async close() {
      await stream.close().catch(() => undefined);
      await consumer.close(true);
    },
  };
}

async function readableWithin(stream: NodeJS.EventEmitter, ms: number): Promise<void> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ms);
  try {
    await once(stream, 'readable', { signal: abort.signal });
  } catch {
    // Timed out: the caller returns what it has.
  } finally {
    clearTimeout(timer);
  }
}
