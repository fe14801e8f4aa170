import { crc32 } from 'node:zlib';
import type { Headers } from '../bus.ts';

/**
 * On-disk record frame, length-prefixed and checksummed so a torn write at the end of a segment
 * (crash mid-append) is detected on start and cut off instead of being served as garbage:
 *
 *   u32 bodyLength | u32 crc32(body) | body
 *   body = f64 offset | f64 timestamp | i32 keyLength (-1 = null) | u32 headersLength
 *          | key (utf8) | headers (JSON, empty = {}) | value (rest of body)
 *
 * Offsets and timestamps are stored as doubles: exact up to 2^53, far beyond what one box writes.
 */

export interface StoredRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  headers: Headers;
  value: Buffer;
}

export const FRAME_HEADER_BYTES = 8;
const BODY_FIXED_BYTES = 24;
/** Anything larger is treated as corruption, not as a record to allocate memory for. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** A record measured for writing; `headersJson` is null when there are no headers. */
export interface SizedRecord {
  record: StoredRecord;
  keyBytes: number;
  headersJson: string | null;
  headersBytes: number;
  frameBytes: number;
}

export function sizeFrame(record: StoredRecord): SizedRecord {
  const keyBytes = record.key === null ? 0 : Buffer.byteLength(record.key, 'utf8');
  const headersJson = hasHeaders(record.headers) ? JSON.stringify(record.headers) : null;
  const headersBytes = headersJson === null ? 0 : Buffer.byteLength(headersJson, 'utf8');
  const frameBytes = FRAME_HEADER_BYTES + BODY_FIXED_BYTES + keyBytes + headersBytes + record.value.length;
  return { record, keyBytes, headersJson, headersBytes, frameBytes };
}

/** Writes the frame into `target` at `at` (space for `frameBytes` must exist); returns the end. */
export function writeFrame(sized: SizedRecord, target: Buffer, at: number): number {
  const { record, keyBytes, headersJson, headersBytes, frameBytes } = sized;
  const bodyStart = at + FRAME_HEADER_BYTES;
  let pos = target.writeDoubleBE(record.offset, bodyStart);
  pos = target.writeDoubleBE(record.timestamp, pos);
  pos = target.writeInt32BE(record.key === null ? -1 : keyBytes, pos);
  pos = target.writeUInt32BE(headersBytes, pos);
  if (record.key !== null) pos += target.write(record.key, pos, keyBytes, 'utf8');
  if (headersJson !== null) pos += target.write(headersJson, pos, headersBytes, 'utf8');
  record.value.copy(target, pos);
  const end = at + frameBytes;
  target.writeUInt32BE(frameBytes - FRAME_HEADER_BYTES, at);
  target.writeUInt32BE(crc32(target.subarray(bodyStart, end)), at + 4);
  return end;
}

export type FrameProbe =
  { kind: 'frame'; size: number; offset: number } | { kind: 'incomplete'; needed: number } | { kind: 'corrupt'; reason: string };

/** Looks at the frame starting at `at` without decoding it, so readers can skip cheaply. */
export function probeFrame(buf: Buffer, at: number, verifyChecksum: boolean): FrameProbe {
  if (buf.length - at < FRAME_HEADER_BYTES) return { kind: 'incomplete', needed: FRAME_HEADER_BYTES };
  const bodyLength = buf.readUInt32BE(at);
  if (bodyLength < BODY_FIXED_BYTES || bodyLength > MAX_FRAME_BYTES) {
    return { kind: 'corrupt', reason: `implausible frame length ${bodyLength}` };
  }
  const size = FRAME_HEADER_BYTES + bodyLength;
  if (buf.length - at < size) return { kind: 'incomplete', needed: size };
  const body = buf.subarray(at + FRAME_HEADER_BYTES, at + size);
  if (verifyChecksum && crc32(body) !== buf.readUInt32BE(at + 4)) {
    return { kind: 'corrupt', reason: 'checksum mismatch' };
  }
  const keyLength = body.readInt32BE(16);
  const headersLength = body.readUInt32BE(20);
  if (keyLength < -1 || BODY_FIXED_BYTES + Math.max(keyLength, 0) + headersLength > bodyLength) {
    return { kind: 'corrupt', reason: 'field lengths exceed frame' };
  }
  return { kind: 'frame', size, offset: body.readDoubleBE(0) };
}

/** Decodes a frame already validated by probeFrame; the value is copied out of `buf`. */
export function decodeFrame(buf: Buffer, at: number, size: number): StoredRecord {
  const body = buf.subarray(at + FRAME_HEADER_BYTES, at + size);
  const keyLength = body.readInt32BE(16);
  const headersLength = body.readUInt32BE(20);
  let pos = BODY_FIXED_BYTES;
  let key: string | null = null;
  if (keyLength >= 0) {
    key = body.toString('utf8', pos, pos + keyLength);
    pos += keyLength;
  }
  const headers: Headers = headersLength === 0 ? {} : (JSON.parse(body.toString('utf8', pos, pos + headersLength)) as Headers);
  pos += headersLength;
  return {
    offset: body.readDoubleBE(0),
    timestamp: body.readDoubleBE(8),
    key,
    headers,
    value: Buffer.from(body.subarray(pos)),
  };
}

function hasHeaders(headers: Headers): boolean {
  for (const name in headers) if (Object.hasOwn(headers, name)) return true;
  return false;
}

/** Marks a tombstone (a record produced with a null value) in a stored frame; never shown to consumers. */
export const TOMBSTONE_HEADER = 'pulse.tombstone';

/** The record's headers without the tombstone mark, and whether it was there. */
export function splitTombstone(headers: Headers): { headers: Headers; tombstone: boolean } {
  if (!Object.hasOwn(headers, TOMBSTONE_HEADER)) return { headers: { ...headers }, tombstone: false };
  const rest = { ...headers };
  delete rest[TOMBSTONE_HEADER];
  return { headers: rest, tombstone: true };
}
