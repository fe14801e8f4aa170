import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Headers } from '../bus.ts';
import { isErrno, syncDirectory } from './atomic-file.ts';
import { EmbeddedBusError } from './errors.ts';
import type { ResolvedOptions } from './options.ts';
import { sizeFrame, writeFrame } from './record-codec.ts';
import type { SizedRecord, StoredRecord } from './record-codec.ts';
import { Segment, parseSegmentFileName, segmentFileName } from './segment.ts';
import { TailCache, approxRecordBytes } from './tail-cache.ts';

/** Limits for one topic; Infinity disables a limit (e.g. compacted topics are never truncated). */
export interface RetentionPolicy {
  maxRecords: number;
  maxAgeMs: number;
}

export interface NewRecord {
  key: string | null;
  headers: Headers;
  value: Buffer;
}

interface PendingAppend {
  records: readonly NewRecord[];
  resolve(firstOffset: number): void;
  reject(err: unknown): void;
}

type LogOptions = Pick<ResolvedOptions, 'fsync' | 'segmentRecords' | 'segmentBytes' | 'tailBytesPerPartition' | 'logger' | 'clock'>;

/**
 * One partition: a chain of segment files plus an in-memory tail.
 *
 * Appends from concurrent produce() calls are queued and written together, one write per partition
 * per event-loop turn (group commit): under load hundreds of records share one syscall, and each
 * caller is answered only once its records are on disk. Writes, rolls and retention run one at a
 * time through `exclusive`, so segment files never see interleaved writers.
 */
export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  private readonly dir: string;
  private readonly options: LogOptions;
  private readonly retention: RetentionPolicy;
  private readonly segments: Segment[];
  private readonly tail: TailCache;
  private readonly listeners = new Set<() => void>();
  private pending: PendingAppend[] = [];
  private flushScheduled = false;
  private chain: Promise<unknown> = Promise.resolve();
  /** Set when the files can no longer be trusted; the partition refuses writes until restart. */
  private failure: EmbeddedBusError | null = null;
  private closing: Promise<void> | null = null;

  private constructor(
    dir: string,
    topic: string,
    partition: number,
    options: LogOptions,
    retention: RetentionPolicy,
    segments: Segment[],
    tail: TailCache,
  ) {
    this.dir = dir;
    this.topic = topic;
    this.partition = partition;
    this.options = options;
    this.retention = retention;
    this.segments = segments;
    this.tail = tail;
  }

  /** Loads a partition directory (creating it when new); offsets continue where they stopped. */
  static async open(dir: string, topic: string, partition: number, options: LogOptions, retention: RetentionPolicy): Promise<PartitionLog> {
    await mkdir(dir, { recursive: true });
    const bases = (await readdir(dir))
      .map(parseSegmentFileName)
      .filter((base): base is number => base !== null)
      .sort((a, b) => a - b);

    const segments: Segment[] = [];
    const lastBase = bases.at(-1);
    if (lastBase === undefined) {
      segments.push(await Segment.create(dir, 0, options.clock()));
      if (options.fsync) await syncDirectory(dir);
      return new PartitionLog(dir, topic, partition, options, retention, segments, new TailCache(options.tailBytesPerPartition, 0));
    }
    for (let i = 0; i + 1 < bases.length; i++) {
      const base = bases[i] ?? 0;
      segments.push(await Segment.sealed(join(dir, segmentFileName(base)), base, bases[i + 1] ?? base));
    }
    const tail = new TailCache(options.tailBytesPerPartition, lastBase);
    segments.push(await Segment.recover(join(dir, segmentFileName(lastBase)), lastBase, options.logger, (record) => tail.push(record)));
    return new PartitionLog(dir, topic, partition, options, retention, segments, tail);
  }

  /** Offset of the oldest retained record. */
  get startOffset(): number {
    return this.segments[0]?.baseOffset ?? 0;
  }

  /** Offset the next record will get; everything below is durable and readable. */
  get endOffset(): number {
    return this.active.endOffset;
  }

  /** Bytes of the segment files. */
  get sizeBytes(): number {
    let bytes = 0;
    for (const segment of this.segments) bytes += segment.size;
    return bytes;
  }

  /** Resolves with the offset of the first record once all of them are written. */
  append(records: readonly NewRecord[]): Promise<number> {
    if (this.closing !== null) return Promise.reject(new EmbeddedBusError('BUS_CLOSED', 'embedded bus is closed'));
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise<number>((resolve, reject) => {
      this.pending.push({ records, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // setImmediate (not a microtask) lets every produce() of the current turn join this write.
        setImmediate(() => {
          this.exclusive(() => this.flushPending()).catch((err: unknown) =>
            this.options.logger.error({ topic: this.topic, partition: this.partition, err }, 'embedded bus: flush failed unexpectedly'),
          );
        });
      }
    });
  }

  /** Calls `listener` after each append becomes readable; returns the unsubscribe function. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async read(from: number, maxRecords: number, maxBytes: number): Promise<StoredRecord[]> {
    if (from >= this.endOffset || maxRecords <= 0) return [];
    const cached = this.tail.read(from, maxRecords, maxBytes);
    if (cached !== null) return cached;

    const out: StoredRecord[] = [];
    let bytes = 0;
    let next = Math.max(from, this.startOffset);
    while (out.length < maxRecords && bytes < maxBytes && next < this.tail.startOffset) {
      const segment = this.segmentFor(next);
      if (segment === undefined) break;
      let records: StoredRecord[];
      try {
        records = await segment.read(next, maxRecords - out.length, maxBytes - bytes);
      } catch (err) {
        // Retention deleted the file between lookup and open; the caller re-checks startOffset.
        if (isErrno(err, 'ENOENT')) break;
        throw err;
      }
      const last = records.at(-1);
      if (last === undefined) break;
      for (const record of records) {
        out.push(record);
        bytes += approxRecordBytes(record);
      }
      next = last.offset + 1;
    }
    if (out.length < maxRecords && bytes < maxBytes && next >= this.tail.startOffset) {
      out.push(...(this.tail.read(next, maxRecords - out.length, maxBytes - bytes) ?? []));
    }
    return out;
  }

  /** Deletes whole segments beyond the retention limits; the active segment is never deleted. */
  enforceRetention(): Promise<void> {
    return this.exclusive(() => this.applyRetention());
  }

  /** Writes what is queued, then closes the files; later appends are refused. */
  close(): Promise<void> {
    this.closing ??= this.exclusive(async () => {
      await this.flushPending();
      await this.active.seal(this.options.fsync);
    });
    return this.closing;
  }

  private get active(): Segment {
    const active = this.segments.at(-1);
    if (active === undefined) throw new Error(`partition ${this.topic}-${this.partition} has no segment`);
    return active;
  }

  private segmentFor(offset: number): Segment | undefined {
    let low = 0;
    let high = this.segments.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if ((this.segments[mid]?.baseOffset ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    const segment = this.segments[low];
    return segment !== undefined && segment.baseOffset <= offset && offset < segment.endOffset ? segment : undefined;
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async flushPending(): Promise<void> {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    if (this.failure !== null) {
      for (const caller of batch) caller.reject(this.failure);
      return;
    }

    const records = batch.flatMap((caller) => caller.records);
    const firstOffset = this.endOffset;
    let rolled = false;
    try {
      let cursor = 0;
      while (cursor < records.length) {
        if (this.isFull(this.active)) {
          await this.roll();
          rolled = true;
        }
        cursor = await this.writeChunk(records, cursor);
      }
    } catch (err) {
      const failure =
        err instanceof EmbeddedBusError
          ? err
          : new EmbeddedBusError('STORAGE_FAILED', `could not append to ${this.topic}-${this.partition}`, { cause: err });
      if (failure.reason === 'STORAGE_CORRUPT') {
        this.failure = failure;
        this.options.logger.error(
          { topic: this.topic, partition: this.partition, err: failure },
          'embedded bus: partition disabled after a failed write',
        );
      }
      this.settle(batch, firstOffset, failure);
      return;
    }
    // Before answering, so a caller that sees its offsets also sees the resulting startOffset.
    if (rolled) await this.applyRetention().catch((err: unknown) => this.logRetentionFailure(err));
    this.settle(batch, firstOffset, null);
  }

  /** Writes as many records from `cursor` as fit in the active segment; returns the new cursor. */
  private async writeChunk(records: readonly NewRecord[], cursor: number): Promise<number> {
    const segment = this.active;
    const timestamp = this.options.clock();
    const room = this.options.segmentRecords - segment.recordCount;
    const sized: SizedRecord[] = [];
    let bytes = 0;
    let offset = segment.endOffset;
    // At least one record per chunk, so a record larger than segmentBytes still gets written.
    while (cursor < records.length && sized.length < room && (sized.length === 0 || segment.size + bytes < this.options.segmentBytes)) {
      const record = records[cursor++];
      if (record === undefined) break;
      const entry = sizeFrame({ offset: offset++, timestamp, key: record.key, headers: record.headers, value: record.value });
      sized.push(entry);
      bytes += entry.frameBytes;
    }
    // One buffer and one write for the whole chunk. Memory of its own, not a slice of Node's 64 KiB
    // Buffer pool: the tail cache keeps views of the values in it, and a pooled slice would keep its
    // whole pool chunk alive (about four times the tail's budget, measured).
    const frames = Buffer.allocUnsafeSlow(bytes);
    let at = 0;
    for (const entry of sized) {
      at = writeFrame(entry, frames, at);
      // The value ends its frame. The tail serves this view from now on; the producer's copy is freed.
      entry.record.value = frames.subarray(at - entry.record.value.length, at);
    }
    await segment.append(
      frames,
      sized.map((entry) => entry.frameBytes),
      timestamp,
      this.options.fsync,
    );
    for (const entry of sized) this.tail.push(entry.record);
    for (const listener of [...this.listeners]) listener();
    return cursor;
  }

  /** Callers whose records all got written are answered even if a later chunk failed. */
  private settle(batch: readonly PendingAppend[], firstOffset: number, err: unknown): void {
    const durableEnd = this.endOffset;
    let offset = firstOffset;
    for (const caller of batch) {
      const first = offset;
      offset += caller.records.length;
      if (err === null || offset <= durableEnd) caller.resolve(first);
      else caller.reject(err);
    }
  }

  private isFull(segment: Segment): boolean {
    return segment.recordCount >= this.options.segmentRecords || segment.size >= this.options.segmentBytes;
  }

  /** Opens the next segment before sealing the current one, so a failure leaves a writable log. */
  private async roll(): Promise<void> {
    const current = this.active;
    const next = await Segment.create(this.dir, current.endOffset, this.options.clock());
    if (this.options.fsync) await syncDirectory(this.dir);
    this.segments.push(next);
    await current.seal(this.options.fsync);
  }

  private async applyRetention(): Promise<void> {
    if (this.closing !== null) return;
    const now = this.options.clock();
    const expiredBefore = now - this.retention.maxAgeMs;
    // An idle partition's only segment would otherwise keep expired records forever.
    if (this.segments.length === 1 && this.active.recordCount > 0 && this.active.lastTimestamp < expiredBefore) {
      await this.roll();
    }
    while (this.segments.length > 1) {
      const oldest = this.segments[0];
      const next = this.segments[1];
      if (oldest === undefined || next === undefined) break;
      const overCount = this.endOffset - next.baseOffset >= this.retention.maxRecords;
      const overAge = oldest.lastTimestamp < expiredBefore;
      if (!overCount && !overAge) break;
      this.segments.shift();
      await oldest.remove();
      this.options.logger.info(
        { topic: this.topic, partition: this.partition, deletedUpTo: next.baseOffset, reason: overCount ? 'records' : 'age' },
        'embedded bus: retention deleted a segment',
      );
    }
  }

  private logRetentionFailure(err: unknown): void {
    this.options.logger.warn({ topic: this.topic, partition: this.partition, err }, 'embedded bus: retention failed, will retry');
  }
}
