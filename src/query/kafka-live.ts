import type { BusRecord, ClusterAdmin } from '../bus/bus.ts';
import { compileFilter, messageView, readRange, type MessageFilter, type MessageView } from './kafka-messages.ts';

export interface LiveTailOptions {
  topic: string;
  partition?: number | undefined;
  filter: MessageFilter;
  /** Between looks at the partitions' ends (default 250 ms). */
  intervalMs?: number;
  /** Most records sent per partition and look; a partition further behind skips to its newest ones (default 200). */
  maxPerPartition?: number;
  signal: AbortSignal;
  /** The tail has taken each partition's end: every record written from now on will be sent (filters allowing). */
  ready?(from: { partition: number; offset: number }[]): void;
  send(message: MessageView): void;
  /** Records passed over because they arrived faster than a page can show them. */
  skipped(count: number): void;
}

/**
 * New records of a topic as they arrive, read like the browser reads (no consumer group): from
 * each partition's end at the start, a look at the ends every `intervalMs`, the records in between
 * sent in time order. Ends when `signal` aborts.
 */
export async function tailTopic(admin: ClusterAdmin, options: LiveTailOptions): Promise<void> {
  const intervalMs = options.intervalMs ?? 250;
  const maxPerPartition = options.maxPerPartition ?? 200;
  const matches = compileFilter(options.filter);
  const wanted = (partition: number): boolean => options.partition === undefined || options.partition === partition;
  const positions = new Map<number, number>();
  for (const p of (await admin.partitionOffsets([options.topic]))[0]?.partitions ?? []) {
    if (wanted(p.partition)) positions.set(p.partition, p.endOffset);
  }
  options.ready?.([...positions].map(([partition, offset]) => ({ partition, offset })));
  while (!options.signal.aborted) {
    await pause(intervalMs, options.signal);
    if (options.signal.aborted) break;
    const fresh: BusRecord[] = [];
    for (const p of (await admin.partitionOffsets([options.topic]))[0]?.partitions ?? []) {
      if (!wanted(p.partition)) continue;
      // A partition added since the start is followed from its beginning.
      let from = Math.max(positions.get(p.partition) ?? p.startOffset, p.startOffset);
      if (p.endOffset <= from) continue;
      if (p.endOffset - from > maxPerPartition) {
        options.skipped(p.endOffset - maxPerPartition - from);
        from = p.endOffset - maxPerPartition;
      }
      fresh.push(...(await readRange(admin, options.topic, p.partition, from, p.endOffset)));
      positions.set(p.partition, p.endOffset);
    }
    fresh.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
    for (const record of fresh) if (matches === null || matches(record)) options.send(messageView(record));
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
