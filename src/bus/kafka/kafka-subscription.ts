import type { EventEmitter } from 'node:events';
import type { ConnectionOptions } from 'node:tls';
import { Consumer, type Message, type MessagesStream } from '@platformatic/kafka';
import type { BusRecord, SubscribeOptions, Subscription } from '../bus.ts';
import { PulseError, errorCodes, isRetriable, withTimeout } from '../../shared/errors.ts';
import { busError } from './kafka-errors.ts';

interface ClientOptions {
  bootstrapBrokers: string[];
  clientId: string;
  timeout: number;
  retries: number;
  retryDelay: number;
  /** How often the subscribed topics' partition counts are checked; a change triggers a rebalance (default 30 s). */
  partitionCheckMs?: number;
  /** How long a member with partitions may go without a completed fetch before it counts as broken (default 30 s). */
  fetchStallMs?: number;
  tls?: ConnectionOptions;
  sasl?: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string };
}

type RawMessage = Message<Buffer, Buffer, Buffer, Buffer>;

/** A consumer-group member with pull semantics: the worker decides when a batch is done and commits it. */
/**
 * Joins the group, trying again while Kafka answers with an error that passes (the group's
 * coordinator is moving or still loading: NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS), for up
 * to `joinTimeoutMs`.
 */
export async function subscribeKafka(
  clientOptions: ClientOptions,
  options: SubscribeOptions,
  joinTimeoutMs = 30_000,
): Promise<Subscription> {
  const deadline = Date.now() + joinTimeoutMs;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await subscribeOnce(clientOptions, options);
    } catch (error) {
      if (!isRetriable(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 250 * 2 ** attempt)));
    }
  }
}

async function subscribeOnce(clientOptions: ClientOptions, options: SubscribeOptions): Promise<Subscription> {
  const { partitionCheckMs = 30_000, fetchStallMs = 30_000, ...client } = clientOptions;
  const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
    ...client,
    groupId: options.group,
    sessionTimeout: 10_000,
    rebalanceTimeout: 15_000,
    heartbeatInterval: 1_000,
  });
  let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>;
  try {
    stream = await consumer.consume({
      topics: options.topics,
      autocommit: false,
      mode: 'committed',
      fallbackMode: options.from ?? 'earliest',
      maxWaitTime: 200,
    });
  } catch (error) {
    await consumer.close(true).catch(() => undefined);
    throw busError(error, `subscribe to ${options.topics.join(', ')} as group "${options.group}"`);
  }
  // Commits need the leader epoch of the partition the record came from.
  const epochs = new Map<string, number>();
  let failure: unknown;
  stream.on('error', (error: unknown) => {
    failure = busError(error, `consume ${options.topics.join(', ')}`);
  });
  onMemberLost(consumer, options.group, (error) => {
    failure ??= error;
  });
  // Flowing mode with our own bounded buffer: pause() when it is full, resume() when poll() drains it.
  // Pulling with stream.read() stalled a partition for good under load (the client's fetch loop was
  // not restarted by _read()), while resume() explicitly restarts it.
  const buffered: RawMessage[] = [];
  const HIGH = 4096;
  let wake: (() => void) | undefined;
  stream.on('data', (message: RawMessage) => {
    buffered.push(message);
    if (buffered.length >= HIGH) stream.pause();
    wake?.();
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
      ...(message.value === null || message.value === undefined ? { tombstone: true } : {}),
    };
  };

  const watcher = watchPartitionCounts(consumer, options.topics, partitionCheckMs, (error) => {
    failure ??= error;
  });
  const stallWatch = watchFetching(consumer, stream, fetchStallMs, (error) => {
    failure ??= error;
  });

  return {
    async poll(max, waitMs) {
      if (failure !== undefined) throw failure;
      if (buffered.length === 0 && waitMs > 0 && !stream.destroyed) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, waitMs);
          function done(): void {
            clearTimeout(timer);
            wake = undefined;
            resolve();
          }
          wake = done;
        });
      }
      const records = buffered.splice(0, max).map(toRecord);
      if (stream.isPaused() && buffered.length < HIGH / 2) stream.resume();
      return records;
    },
    async commit(records) {
      // Between generations a commit is left out: refused, the client would join the group again from
      // inside the commit, beside the heartbeat's own re-join, and that kept a group rebalancing about
      // once a second for minutes (a member's fetching starved meanwhile). After the join the stream
      // reads again from the committed offsets, so these records come back and the idempotent sink
      // absorbs them.
      if (!consumer.isActive()) return;
      const next = new Map<string, { topic: string; partition: number; offset: bigint; leaderEpoch: number }>();
      for (const r of records) {
        const slot = `${r.topic}:${r.partition}`;
        const current = next.get(slot);
        if (current === undefined || current.offset < BigInt(r.offset + 1)) {
          next.set(slot, { topic: r.topic, partition: r.partition, offset: BigInt(r.offset + 1), leaderEpoch: epochs.get(slot) ?? -1 });
        }
      }
      if (next.size > 0) {
        await consumer.commit({ offsets: [...next.values()] }).catch((error: unknown) => {
          throw busError(error, `commit for group "${options.group}"`);
        });
      }
    },
    async close() {
      watcher.stop();
      stallWatch.stop();
      // Bounded: a member whose client is stuck must not keep the worker from going on with a new one.
      const closing = (async () => {
        await stream.close().catch(() => undefined);
        await consumer.close(true);
      })();
      closing.catch(() => undefined); // settles after the deadline, if ever: nobody waits for it then
      await withTimeout(
        closing,
        CLOSE_WITHIN_MS,
        () =>
          new PulseError(
            errorCodes.BUS_UNAVAILABLE,
            `group "${options.group}": the member did not close within ${CLOSE_WITHIN_MS / 1000} s`,
          ),
      );
    },
  };
}

const CLOSE_WITHIN_MS = 10_000;

/**
 * A member that owns partitions completes a fetch several times a second, records or not (each
 * waits at most `maxWaitTime` at the broker). The client's fetch loop was seen to stop for good in a rebalance storm
 * (its offset refresh after a join never finished) while the member stayed in the group, owning
 * partitions nobody read. A member without a completed fetch for `stallMs` is handed on as broken,
 * so the worker replaces it with a new one and the group gives its partitions out again.
 */
export function watchFetching(
  consumer: { readonly groupId: string; readonly assignments: readonly { partitions: readonly number[] }[] | null },
  stream: Pick<EventEmitter, 'on' | 'off'> & { isPaused(): boolean; readonly destroyed: boolean },
  stallMs: number,
  onStall: (error: PulseError) => void,
): { stop(): void } {
  let lastFetchAt = Date.now();
  const fetched = (): void => {
    lastFetchAt = Date.now();
  };
  stream.on('fetch', fetched);
  const owns = (): boolean => (consumer.assignments ?? []).some((a) => a.partitions.length > 0);
  const timer = setInterval(
    () => {
      // Paused by our own bound on held records, or owning nothing: not fetching is expected.
      if (stream.isPaused() || stream.destroyed || !owns()) {
        lastFetchAt = Date.now();
        return;
      }
      const idleMs = Date.now() - lastFetchAt;
      if (idleMs < stallMs) return;
      onStall(
        new PulseError(
          errorCodes.BUS_UNAVAILABLE,
          `group "${consumer.groupId}": no fetch completed for ${Math.round(idleMs / 1000)} s while owning partitions; a new member takes over`,
        ),
      );
    },
    Math.max(100, Math.min(5000, stallMs / 4)),
  );
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      stream.off('fetch', fetched);
    },
  };
}

/**
 * When a heartbeat tells the consumer to join its group again and that join fails, the client
 * stops heartbeating and emits a plain `error` event: with no listener, Node throws it and the
 * worker process dies (seen when a broker closed the connection mid-rebalance). The member is lost
 * for good: the failure is handed on, so the next poll fails and the worker joins with a new member.
 */
export function onMemberLost(member: Pick<EventEmitter, 'on'>, group: string, fail: (error: PulseError) => void): void {
  member.on('error', (error: unknown) => fail(busError(error, `stay in group "${group}"`)));
}

/**
 * The classic group protocol assigns the partitions the leader knew of when the group last
 * rebalanced, and nothing rebalances it when a topic grows: partitions added later would never be
 * read. Re-joining when a subscribed topic's partition count changes makes the leader assign them.
 */
function watchPartitionCounts(
  consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
  topics: readonly string[],
  everyMs: number,
  onError: (error: unknown) => void,
): { stop(): void } {
  let known: string | undefined;
  let checking = false;
  const check = async (): Promise<void> => {
    if (checking || !consumer.isActive()) return;
    checking = true;
    try {
      // A metadata failure is tried again at the next check; only a failed re-join fails the subscription.
      const metadata = await consumer.metadata({ topics: [...topics], forceUpdate: true }).catch(() => undefined);
      if (metadata === undefined) return;
      const counts = topics.map((topic) => `${topic}:${metadata.topics.get(topic)?.partitionsCount ?? 0}`).join(',');
      if (known !== undefined && counts !== known && consumer.isActive()) await consumer.joinGroup({}).catch(onError);
      known = counts;
    } finally {
      checking = false;
    }
  };
  void check();
  const timer = setInterval(() => void check(), everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
