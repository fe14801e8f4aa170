import { open, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { EmbeddedBusError } from './errors.ts';
import type { EmbeddedBusLogger } from './options.ts';
import { decodeFrame, probeFrame } from './record-codec.ts';
import type { StoredRecord } from './record-codec.ts';

/**
 * One append-only file of a partition, named after its first offset like Kafka's
 * `00000000000000012345.log`. Offsets inside a segment are contiguous, so a sparse in-memory
 * index (file position of every INDEX_INTERVAL-th record) is enough to seek; for segments found on
 * disk at start it is filled in lazily by the first read instead of scanning every file up front.
 */

const SEGMENT_SUFFIX = '.log';
const INDEX_INTERVAL = 128;
const READ_CHUNK_BYTES = 256 * 1024;

export function segmentFileName(baseOffset: number): string {
  return `${String(baseOffset).padStart(20, '0')}${SEGMENT_SUFFIX}`;
}

export function parseSegmentFileName(name: string): number | null {
  const match = /^(\d{20})\.log$/.exec(name);
  return match?.[1] === undefined ? null : Number(match[1]);
}

interface ScanResult {
  /** File position after the last good frame. */
  position: number;
  /** Offset the next frame should carry. */
  nextOffset: number;
  /** Why a scan ended before `limit`, when the data there is unusable. */
  corruption: string | null;
}

/** Called per frame; return false to stop the scan after this frame. */
type FrameVisitor = (chunk: Buffer, at: number, size: number, offset: number, position: number) => boolean;

export class Segment {
  readonly baseOffset: number;
  readonly path: string;
  /** Bytes fully written; readers never look past it, so an in-flight append is invisible. */
  size: number;
  /** Offset after the last record written here. */
  endOffset: number;
  /** Time of the newest record (file mtime for segments found on disk), for age retention. */
  lastTimestamp: number;
  private readonly positions: number[];
  private appender: FileHandle | null;

  private constructor(
    path: string,
    baseOffset: number,
    size: number,
    endOffset: number,
    lastTimestamp: number,
    positions: number[],
    appender: FileHandle | null,
  ) {
    this.path = path;
    this.baseOffset = baseOffset;
    this.size = size;
    this.endOffset = endOffset;
    this.lastTimestamp = lastTimestamp;
    this.positions = positions;
    this.appender = appender;
  }

  static async create(dir: string, baseOffset: number, now: number): Promise<Segment> {
    const path = join(dir, segmentFileName(baseOffset));
    const appender = await open(path, 'a');
    return new Segment(path, baseOffset, 0, baseOffset, now, [0], appender);
  }

  /** A finished segment found on disk; its end is the next segment's base offset. */
  static async sealed(path: string, baseOffset: number, endOffset: number): Promise<Segment> {
    const info = await stat(path);
    return new Segment(path, baseOffset, info.size, endOffset, info.mtimeMs, [0], null);
  }

  /**
   * Opens the newest segment of a partition for appending. Every frame is checked; whatever
   * follows the last intact frame (a torn write from a crash) is truncated away, so offsets
   * continue exactly after the last record that was really stored.
   */
  static async recover(
    path: string,
    baseOffset: number,
    logger: EmbeddedBusLogger,
    visit: (record: StoredRecord) => void,
  ): Promise<Segment> {
    const appender = await open(path, 'a+');
    try {
      const info = await appender.stat();
      const positions: number[] = [];
      let lastTimestamp = info.mtimeMs;
      const scan = await scanFrames(appender, 0, baseOffset, info.size, (chunk, at, size, offset, position) => {
        if ((offset - baseOffset) % INDEX_INTERVAL === 0) positions.push(position);
        const record = decodeFrame(chunk, at, size);
        lastTimestamp = record.timestamp;
        visit(record);
        return true;
      });
      if (scan.position < info.size) {
        logger.warn(
          { segment: path, reason: scan.corruption, keptBytes: scan.position, droppedBytes: info.size - scan.position },
          'embedded bus: cut off unreadable tail of segment (likely a write interrupted by a crash)',
        );
        await appender.truncate(scan.position);
      }
      if (positions.length === 0) positions.push(0);
      return new Segment(path, baseOffset, scan.position, scan.nextOffset, lastTimestamp, positions, appender);
    } catch (err) {
      await appender.close();
      throw err;
    }
  }

  get isActive(): boolean {
    return this.appender !== null;
  }

  get recordCount(): number {
    return this.endOffset - this.baseOffset;
  }

  /**
   * Appends pre-encoded frames. On failure the file is cut back to its previous size so no
   * half-written frame stays behind; only if even that fails is the error marked fatal.
   */
  async append(frames: Buffer, frameSizes: readonly number[], lastTimestamp: number, fsync: boolean): Promise<void> {
    const appender = this.appender;
    if (appender === null) throw new Error(`segment ${this.path} is sealed`);
    try {
      let written = 0;
      while (written < frames.length) {
        const { bytesWritten } = await appender.write(frames, written, frames.length - written, null);
        written += bytesWritten;
      }
      if (fsync) await appender.datasync();
    } catch (err) {
      try {
        await appender.truncate(this.size);
      } catch (truncateErr) {
        throw new EmbeddedBusError('STORAGE_CORRUPT', `segment ${this.path} could not be restored after a failed write`, {
          cause: truncateErr,
        });
      }
      throw new EmbeddedBusError('STORAGE_FAILED', `write to segment ${this.path} failed`, { cause: err });
    }
    let position = this.size;
    let offset = this.endOffset;
    for (const size of frameSizes) {
      this.remember(offset, position);
      position += size;
      offset++;
    }
    this.size = position;
    this.endOffset = offset;
    this.lastTimestamp = lastTimestamp;
  }

  async seal(fsync: boolean): Promise<void> {
    const appender = this.appender;
    if (appender === null) return;
    this.appender = null;
    try {
      if (fsync) await appender.datasync();
    } finally {
      await appender.close();
    }
  }

  async remove(): Promise<void> {
    await this.seal(false);
    await rm(this.path, { force: true });
  }

  /**
   * Records from `from` on, at most `maxRecords` and roughly `maxBytes` (at least one record is
   * returned even if it alone is larger). Uses its own read handle so a concurrent roll or
   * retention delete of this file cannot break a read in progress.
   */
  async read(from: number, maxRecords: number, maxBytes: number): Promise<StoredRecord[]> {
    if (from < this.baseOffset || from >= this.endOffset || maxRecords <= 0) return [];
    const slot = Math.min(Math.floor((from - this.baseOffset) / INDEX_INTERVAL), this.positions.length - 1);
    const startPosition = this.positions[slot] ?? 0;
    const startOffset = this.baseOffset + slot * INDEX_INTERVAL;
    const limit = this.size;
    const records: StoredRecord[] = [];
    let bytes = 0;

    const reader = await open(this.path, 'r');
    try {
      const scan = await scanFrames(reader, startPosition, startOffset, limit, (chunk, at, size, offset, position) => {
        this.remember(offset, position);
        if (offset < from) return true;
        records.push(decodeFrame(chunk, at, size));
        bytes += size;
        return records.length < maxRecords && bytes < maxBytes;
      });
      if (scan.corruption !== null && records.length < maxRecords && bytes < maxBytes) {
        throw new EmbeddedBusError('STORAGE_CORRUPT', `segment ${this.path} is unreadable at byte ${scan.position}: ${scan.corruption}`);
      }
    } finally {
      await reader.close();
    }
    return records;
  }

  /** Adds an index entry only for the next missing slot, keeping `positions[i]` = record base + i·INTERVAL. */
  private remember(offset: number, position: number): void {
    const relative = offset - this.baseOffset;
    if (relative % INDEX_INTERVAL === 0 && relative / INDEX_INTERVAL === this.positions.length) {
      this.positions.push(position);
    }
  }
}

/** Walks frames from `position` up to `limit`, checking checksums and offset continuity. */
async function scanFrames(
  handle: FileHandle,
  position: number,
  expectedOffset: number,
  limit: number,
  visit: FrameVisitor,
): Promise<ScanResult> {
  let nextOffset = expectedOffset;
  let wanted = READ_CHUNK_BYTES;
  while (position < limit) {
    const length = Math.min(Math.max(wanted, READ_CHUNK_BYTES), limit - position);
    const chunk = Buffer.allocUnsafe(length);
    const { bytesRead } = await handle.read(chunk, 0, length, position);
    const view = chunk.subarray(0, bytesRead);
    let at = 0;
    wanted = READ_CHUNK_BYTES;
    while (at < view.length) {
      const probe = probeFrame(view, at, true);
      if (probe.kind === 'incomplete') {
        if (position + at + probe.needed > limit) {
          return { position: position + at, nextOffset, corruption: 'incomplete frame at end of file' };
        }
        wanted = probe.needed;
        break;
      }
      if (probe.kind === 'corrupt') return { position: position + at, nextOffset, corruption: probe.reason };
      if (probe.offset !== nextOffset) {
        return { position: position + at, nextOffset, corruption: `expected offset ${nextOffset}, found ${probe.offset}` };
      }
      const keepGoing = visit(view, at, probe.size, nextOffset, position + at);
      at += probe.size;
      nextOffset++;
      if (!keepGoing) return { position: position + at, nextOffset, corruption: null };
    }
    if (bytesRead === 0) return { position, nextOffset, corruption: 'file shorter than expected' };
    position += at;
  }
  return { position, nextOffset, corruption: null };
}
