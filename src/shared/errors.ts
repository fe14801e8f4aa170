/** Stable error codes: HTTP mapping lives in one place (ingest/error-handler.ts). */
export const errorCodes = {
  CONFIG_INVALID: 'PULSE_CONFIG_INVALID',
  BUS_UNAVAILABLE: 'PULSE_BUS_UNAVAILABLE',
  BUS_UNKNOWN_TOPIC: 'PULSE_BUS_UNKNOWN_TOPIC',
  BUS_CLOSED: 'PULSE_BUS_CLOSED',
  /** The bus refused a record for what it is (too large, bad partition): retrying cannot help. */
  BUS_INVALID_RECORD: 'PULSE_BUS_INVALID_RECORD',
} as const;

export type ErrorCode = (typeof errorCodes)[keyof typeof errorCodes];

export class PulseError extends Error {
  readonly code: ErrorCode;
  /** Whether repeating the same operation later can succeed. */
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = 'PulseError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

export function isPulseError(error: unknown, code?: ErrorCode): error is PulseError {
  return error instanceof PulseError && (code === undefined || error.code === code);
}

/** Rejects with `onTimeout()` if `promise` has not settled within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
