import { PulseError, errorCodes } from '../../shared/errors.ts';
import type { ErrorCode } from '../../shared/errors.ts';

/**
 * Errors of the embedded log. They are PulseErrors, so the shared handling (HTTP mapping, CLI)
 * treats both Bus adapters alike: `code` is the shared code, `reason` the embedded log's finer
 * cause. Record contents never go into messages, so nothing a visitor sent can reach the logs.
 */
export const embeddedBusErrorReasons = [
  'BUS_CLOSED',
  'SUBSCRIPTION_CLOSED',
  'UNKNOWN_TOPIC',
  'INVALID_TOPIC',
  'INVALID_PARTITION',
  'INVALID_RECORD',
  'RECORD_TOO_LARGE',
  'INVALID_OPTIONS',
  'GROUP_ACTIVE',
  'DIR_LOCKED',
  'STORAGE_FAILED',
  'STORAGE_CORRUPT',
] as const;

export type EmbeddedBusErrorReason = (typeof embeddedBusErrorReasons)[number];

/** Rejected records map to BUS_INVALID_RECORD so ingest answers 413, not 503: retrying cannot help. */
const sharedCode: Record<EmbeddedBusErrorReason, ErrorCode> = {
  BUS_CLOSED: errorCodes.BUS_CLOSED,
  SUBSCRIPTION_CLOSED: errorCodes.BUS_CLOSED,
  UNKNOWN_TOPIC: errorCodes.BUS_UNKNOWN_TOPIC,
  INVALID_TOPIC: errorCodes.CONFIG_INVALID,
  INVALID_OPTIONS: errorCodes.CONFIG_INVALID,
  GROUP_ACTIVE: errorCodes.BUS_GROUP_ACTIVE,
  INVALID_PARTITION: errorCodes.BUS_INVALID_RECORD,
  INVALID_RECORD: errorCodes.BUS_INVALID_RECORD,
  RECORD_TOO_LARGE: errorCodes.BUS_INVALID_RECORD,
  DIR_LOCKED: errorCodes.BUS_UNAVAILABLE,
  STORAGE_FAILED: errorCodes.BUS_UNAVAILABLE,
  STORAGE_CORRUPT: errorCodes.BUS_UNAVAILABLE,
};

/** A failed disk write may succeed later (space freed, transient I/O error), a group's members may leave; nothing else will. */
const retriableReasons: ReadonlySet<EmbeddedBusErrorReason> = new Set(['STORAGE_FAILED', 'GROUP_ACTIVE']);

export class EmbeddedBusError extends PulseError {
  readonly reason: EmbeddedBusErrorReason;

  constructor(reason: EmbeddedBusErrorReason, message: string, options?: { cause?: unknown }) {
    super(sharedCode[reason], message, { cause: options?.cause, retriable: retriableReasons.has(reason) });
    this.name = 'EmbeddedBusError';
    this.reason = reason;
  }
}
