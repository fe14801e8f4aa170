import type { StoredRecord } from './record-codec.ts';

/**
 * The newest records of one partition, bounded by bytes. Consumers that keep up (the normal case)
 * are served from here; anything older is read back from the segment files.
 */
export class TailCache {
  private readonly maxBytes: number;
  private entries: StoredRecord[] = [];
  private head = 0;
  private bytes = 0;
  private next: number;

  constructor(maxBytes: number, nextOffset: number) {
    this.maxBytes = maxBytes;
    this.next = nextOffset;
  }

  /** Oldest offset held; equals the partition end when empty. */
  get startOffset(): number {
    return this.entries[this.head]?.offset ?? this.next;
  }

  push(record: StoredRecord): void {
    if (record.offset !== this.next) {
      // A gap would make the cache serve wrong offsets; restart it from this record instead.
      this.entries = [];
      this.head = 0;
      this.bytes = 0;
    }
    this.entries.push(record);
    this.bytes += approxRecordBytes(record);
    this.next = record.offset + 1;
    while (this.bytes > this.maxBytes && this.head < this.entries.length) {
      const evicted = this.entries[this.head];
      if (evicted !== undefined) this.bytes -= approxRecordBytes(evicted);
      this.head++;
    }
    // Drop the evicted prefix now and then instead of shifting on every push.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  /** Records from `from` on, or null when `from` is older than what the cache holds. */
  read(from: number, maxRecords: number, maxBytes: number): StoredRecord[] | null {
    const start = this.startOffset;
    if (from < start) return null;
    const out: StoredRecord[] = [];
    let bytes = 0;
    for (let i = this.head + (from - start); i < this.entries.length && out.length < maxRecords && bytes < maxBytes; i++) {
      const record = this.entries[i];
      if (record === undefined) break;
      out.push(record);
      bytes += approxRecordBytes(record);
    }
    return out;
  }
}

/** Close enough to the frame size for memory budgets, without encoding anything. */
export function approxRecordBytes(record: StoredRecord): number {
  return record.value.length + (record.key?.length ?? 0) + 64;
}
