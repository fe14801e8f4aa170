import { EmbeddedBusError } from './errors.ts';

/** The subset of a pino logger the embedded bus writes to. */
export interface EmbeddedBusLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface EmbeddedBusOptions {
  /** Data directory; created if missing. One bus per directory at a time (a lock file enforces it). */
  dir: string;
  retention?:
    | {
        /** Whole segments are deleted once the partition holds at least this many newer records. */
        maxRecordsPerPartition?: number | undefined;
        /** Whole segments whose newest record is older than this are deleted. */
        maxAgeMs?: number | undefined;
      }
    | undefined;
  /**
   * false (default): `produce()` resolves once the write reached the OS page cache. A crash of the
   * Node process loses nothing; a kernel panic or power cut can lose the last few seconds. This is
   * what Kafka itself does by default (it relies on replication, not fsync).
   * true: every grouped write is followed by fdatasync before callers are answered — power-cut safe,
   * at the cost of one disk flush per partition per batch (throughput drops sharply on slow disks).
   */
  fsync?: boolean | undefined;
  /** Records per segment file before a new one is started (the unit retention deletes). */
  segmentRecords?: number | undefined;
  /** Bytes per segment file before a new one is started, whichever limit comes first. */
  segmentBytes?: number | undefined;
  /** Recent records kept in memory per partition so caught-up consumers never touch the disk. */
  tailBytesPerPartition?: number | undefined;
  /** Largest accepted record (key + value + headers), like Kafka's message.max.bytes. */
  maxRecordBytes?: number | undefined;
  /** Upper bound on the bytes one poll() returns, so a lagging consumer cannot balloon memory. */
  maxPollBytes?: number | undefined;
  /** How often age-based retention runs besides on every segment roll. */
  retentionCheckIntervalMs?: number | undefined;
  logger?: EmbeddedBusLogger | undefined;
  /** Source of record timestamps and retention age; injectable for tests. */
  clock?: (() => number) | undefined;
}

export interface ResolvedOptions {
  dir: string;
  maxRecordsPerPartition: number;
  maxAgeMs: number;
  fsync: boolean;
  segmentRecords: number;
  segmentBytes: number;
  tailBytesPerPartition: number;
  maxRecordBytes: number;
  maxPollBytes: number;
  retentionCheckIntervalMs: number;
  logger: EmbeddedBusLogger;
  clock: () => number;
}

export const embeddedBusDefaults = {
  maxRecordsPerPartition: 1_000_000,
  maxAgeMs: 7 * 24 * 60 * 60 * 1000,
  fsync: false,
  segmentRecords: 10_000,
  segmentBytes: 128 * 1024 * 1024,
  tailBytesPerPartition: 1024 * 1024,
  maxRecordBytes: 1024 * 1024,
  maxPollBytes: 16 * 1024 * 1024,
  retentionCheckIntervalMs: 60_000,
} as const satisfies Omit<ResolvedOptions, 'dir' | 'logger' | 'clock'>;

export function resolveOptions(options: EmbeddedBusOptions): ResolvedOptions {
  if (typeof options.dir !== 'string' || options.dir === '') {
    throw new EmbeddedBusError('INVALID_OPTIONS', 'embedded bus needs a data directory (dir)');
  }
  const d = embeddedBusDefaults;
  return {
    dir: options.dir,
    maxRecordsPerPartition: positiveInt(
      'retention.maxRecordsPerPartition',
      options.retention?.maxRecordsPerPartition,
      d.maxRecordsPerPartition,
    ),
    maxAgeMs: positiveInt('retention.maxAgeMs', options.retention?.maxAgeMs, d.maxAgeMs),
    fsync: options.fsync ?? d.fsync,
    segmentRecords: positiveInt('segmentRecords', options.segmentRecords, d.segmentRecords),
    segmentBytes: positiveInt('segmentBytes', options.segmentBytes, d.segmentBytes),
    tailBytesPerPartition: positiveInt('tailBytesPerPartition', options.tailBytesPerPartition, d.tailBytesPerPartition),
    maxRecordBytes: positiveInt('maxRecordBytes', options.maxRecordBytes, d.maxRecordBytes),
    maxPollBytes: positiveInt('maxPollBytes', options.maxPollBytes, d.maxPollBytes),
    retentionCheckIntervalMs: positiveInt('retentionCheckIntervalMs', options.retentionCheckIntervalMs, d.retentionCheckIntervalMs),
    logger: options.logger ?? stderrLogger,
    clock: options.clock ?? Date.now,
  };
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new EmbeddedBusError('INVALID_OPTIONS', `${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/** Without an injected logger, warnings (e.g. a repaired torn write) still reach stderr. */
const stderrLogger: EmbeddedBusLogger = {
  info() {},
  warn(obj, msg) {
    process.stderr.write(`${JSON.stringify({ level: 'warn', component: 'embedded-bus', msg, ...obj })}\n`);
  },
  error(obj, msg) {
    process.stderr.write(`${JSON.stringify({ level: 'error', component: 'embedded-bus', msg, ...obj })}\n`);
  },
};
