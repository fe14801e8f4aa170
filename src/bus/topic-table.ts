import { randomUUID } from 'node:crypto';
import type { Bus, BusRecord, Subscription } from './bus.ts';

/**
 * The latest value per key of a compacted topic, kept in memory: every instance reads the whole
 * topic from the start (a group of its own, never committed), then follows it. This is how every
 * banned-products filter converges to the same ban list, and how the category analytics see the
 * whole catalog, whatever partitions their consumer group gave them.
 */
export interface TopicTable<V> {
  /** Resolves once every record that was on the topic when following began has been applied. */
  readonly ready: Promise<void>;
  get(key: string): V | undefined;
  entries(): IterableIterator<[string, V]>;
  readonly size: number;
  /** Stops following; calling it again waits for the same close. */
  close(): Promise<void>;
}

export interface TopicTableOptions<V> {
  bus: Bus;
  topic: string;
  /** Prefix of the private group's name (a secured cluster grants groups by prefix). */
  groupPrefix: string;
  /** The value of a record, or undefined when it cannot be read (the record is then ignored). */
  decode: (record: BusRecord) => V | undefined;
  /** Called for every applied change; `value` undefined means the key was removed (a tombstone). */
  onChange?: ((key: string, value: V | undefined, previous: V | undefined) => void) | undefined;
  onError?: ((error: unknown) => void) | undefined;
  /** Empty polls in a row after which the table counts as caught up even short of the end offsets (compaction can remove the last record). */
  idlePollsUntilReady?: number | undefined;
  pollWaitMs?: number | undefined;
}

export async function followTopicTable<V>(options: TopicTableOptions<V>): Promise<TopicTable<V>> {
  const { bus, topic } = options;
  const group = `${options.groupPrefix}-${randomUUID()}`;
  const rows = new Map<string, V>();
  const ends = new Map<number, number>();
  for (const info of await bus.listTopics()) {
    if (info.name !== topic) continue;
    for (const p of info.partitions) if (p.endOffset > p.startOffset) ends.set(p.partition, p.endOffset);
  }
  const subscription: Subscription = await bus.subscribe({ group, topics: [topic], from: 'earliest' });
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  let isReady = false;
  const becomeReady = (): void => {
    if (isReady) return;
    isReady = true;
    markReady();
  };
  if (ends.size === 0) becomeReady();

  const apply = (record: BusRecord): void => {
    if (record.key === null) return;
    const previous = rows.get(record.key);
    let value: V | undefined;
    try {
      value = record.tombstone === true ? undefined : options.decode(record);
    } catch {
      value = undefined; // an unreadable record is skipped like one decode refuses
    }
    if (value === undefined && record.tombstone !== true) return;
    if (value === undefined) rows.delete(record.key);
    else rows.set(record.key, value);
    options.onChange?.(record.key, value, previous);
  };

  let running = true;
  let closing: Promise<void> | undefined;
  let idlePolls = 0;
  const idleLimit = options.idlePollsUntilReady ?? 20;
  const loop = (async () => {
    while (running) {
      try {
        const records = await subscription.poll(1000, options.pollWaitMs ?? 250);
        idlePolls = records.length === 0 ? idlePolls + 1 : 0;
        for (const record of records) {
          apply(record);
          const end = ends.get(record.partition);
          if (end !== undefined && record.offset + 1 >= end) ends.delete(record.partition);
        }
        if (!isReady && (ends.size === 0 || idlePolls >= idleLimit)) becomeReady();
      } catch (error) {
        options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  })();

  return {
    ready,
    get: (key) => rows.get(key),
    entries: () => rows.entries(),
    get size() {
      return rows.size;
    },
    close() {
      closing ??= (async () => {
        running = false;
        await loop;
        await subscription.close();
        // Nothing was committed; forgetting the private group keeps the cluster's group list clean.
        await bus.deleteGroup(group).catch(() => undefined);
      })();
      return closing;
    },
  };
}
