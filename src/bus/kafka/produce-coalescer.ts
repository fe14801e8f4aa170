import type { OutgoingRecord, ProducedRecord } from '../bus.ts';

type SendBatch = (records: OutgoingRecord[]) => Promise<ProducedRecord[]>;

interface Pending {
  records: readonly OutgoingRecord[];
  bytes: number;
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
const sizeOf = (record: OutgoingRecord): number =>
  (record.value === null ? 0 : typeof record.value === 'string' ? Buffer.byteLength(record.value) : record.value.length) +
  (record.key?.length ?? 0) +
  64;

/** Splits one caller's records into requests under the byte limit (the broker refuses larger batches). */
async function sendInChunks(send: SendBatch, records: OutgoingRecord[], maxBytes: number): Promise<ProducedRecord[]> {
  const chunks: OutgoingRecord[][] = [[]];
  let bytes = 0;
  for (const record of records) {
    const size = sizeOf(record);
    if (bytes + size > maxBytes && (chunks.at(-1)?.length ?? 0) > 0) {
      chunks.push([]);
      bytes = 0;
    }
    chunks.at(-1)?.push(record);
    bytes += size;
  }
  return (await Promise.all(chunks.map(send))).flat();
}

export function createProduceCoalescer(send: SendBatch, options: { maxRecords: number; maxBytes: number; maxInFlight: number }) {
  let queue: Pending[] = [];
  let queued = 0;
  let inFlight = 0;
  let scheduled = false;

  const flush = (): void => {
    scheduled = false;
    while (queue.length > 0 && inFlight < options.maxInFlight) {
      const batch: Pending[] = [];
      let count = 0;
      let bytes = 0;
      const fits = (next: Pending): boolean =>
        count === 0 || (count + next.records.length <= options.maxRecords && bytes + next.bytes <= options.maxBytes);
      while (queue.length > 0 && fits(queue[0] as Pending)) {
        const next = queue.shift() as Pending;
        batch.push(next);
        count += next.records.length;
        bytes += next.bytes;
      }
      queued -= count;
      inFlight += 1;
      const records = batch.flatMap((p) => p.records);
      (bytes > options.maxBytes ? sendInChunks(send, records, options.maxBytes) : send(records))
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
        queue.push({ records, bytes: records.reduce((sum, r) => sum + sizeOf(r), 0), resolve, reject });
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
