import type { OutgoingRecord, ProducedRecord } from '../bus.ts';

type SendBatch = (records: OutgoingRecord[]) => Promise<ProducedRecord[]>;

interface Pending {
  records: readonly OutgoingRecord[];
  resolve: (produced: ProducedRecord[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Concurrent HTTP requests each produce a few records; sending them one
 * produce request each would cap ingest at the broker's round-trip rate.
 * Calls arriving in the same event-loop turn (or while a send is in flight)
 * share one produce request, and each caller still learns its own outcome.
 * The client library batches only in its stream API, whose acks are not per
 * caller, hence this small piece written here.
 */
export function createProduceCoalescer(send: SendBatch, options: { maxRecords: number; maxInFlight: number }) {
  let queue: Pending[] = [];
  let queued = 0;
  let inFlight = 0;
  let scheduled = false;

  const flush = (): void => {
    scheduled = false;
    while (queue.length > 0 && inFlight < options.maxInFlight) {
      const batch: Pending[] = [];
      let count = 0;
      while (queue.length > 0 && (count === 0 || count + (queue[0]?.records.length ?? 0) <= options.maxRecords)) {
        const next = queue.shift() as Pending;
        batch.push(next);
        count += next.records.length;
      }
      queued -= count;
      inFlight += 1;
      send(batch.flatMap((p) => p.records))
        .then(
          (produced) => {
            let at = 0;
            for (const pending of batch) {
              pending.resolve(produced.slice(at, at + pending.records.length));
              at += pending.records.length;
            }
          },
          (error: unknown) => {
            for (const pending of batch) pending.reject(error);
          },
        )
        .finally(() => {
          inFlight -= 1;
          if (queue.length > 0) schedule();
        });
    }
  };
  const schedule = (): void => {
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };

  return {
    produce(records: readonly OutgoingRecord[]): Promise<ProducedRecord[]> {
      return new Promise((resolve, reject) => {
        queue.push({ records, resolve, reject });
        queued += records.length;
        schedule();
      });
    },
    get pending(): number {
      return queued;
    },
    clear(error: Error): void {
      const dropped = queue;
      queue = [];
      queued = 0;
      for (const pending of dropped) pending.reject(error);
    },
  };
}
