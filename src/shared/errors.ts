/**
 * Stable error codes. Each says whether repeating the same operation later can succeed
 * (`retriable`); the HTTP answer for each lives in one place (src/http/error-handler.ts).
 * Messages never carry event or row data, so nothing a visitor sent reaches logs or clients.
 */
export const errorCodes = {
  CONFIG_INVALID: 'PULSE_CONFIG_INVALID',
  /** The request itself is wrong (a bad range, an unknown site): answering it again cannot help. */
  BAD_REQUEST: 'PULSE_BAD_REQUEST',
  NOT_FOUND: 'PULSE_NOT_FOUND',
  /** The path exists, but not with this method (the answer names the allowed ones). */
  METHOD_NOT_ALLOWED: 'PULSE_METHOD_NOT_ALLOWED',
  UNAUTHORIZED: 'PULSE_UNAUTHORIZED',
  /** The action is refused whoever asks, as configured (e.g. no PULSE_ADMIN_TOKEN set for an admin action). */
  FORBIDDEN: 'PULSE_FORBIDDEN',
  BUS_UNAVAILABLE: 'PULSE_BUS_UNAVAILABLE',
  BUS_UNKNOWN_TOPIC: 'PULSE_BUS_UNKNOWN_TOPIC',
  BUS_CLOSED: 'PULSE_BUS_CLOSED',
  /** The bus refused a record for what it is (too large, bad partition): retrying cannot help. */
  BUS_INVALID_RECORD: 'PULSE_BUS_INVALID_RECORD',
  /** The bus refused the client's credentials or permissions. */
  BUS_UNAUTHORIZED: 'PULSE_BUS_UNAUTHORIZED',
  /** A consumer group cannot be deleted while members are in it. */
  BUS_GROUP_ACTIVE: 'PULSE_BUS_GROUP_ACTIVE',
  /** A store (Redis, PostgreSQL, ClickHouse, …) cannot be reached or is overloaded now. */
  STORE_UNAVAILABLE: 'PULSE_STORE_UNAVAILABLE',
  /** A store refused the data it was given (a value it cannot hold): the same write fails again. */
  STORE_REJECTED: 'PULSE_STORE_REJECTED',
  /** A store failed in a way an operator must look at (schema, permissions); the write waits for them. */
  STORE_FAILED: 'PULSE_STORE_FAILED',
  /** This process has no warehouse to answer history questions from. */
  HISTORY_UNAVAILABLE: 'PULSE_HISTORY_UNAVAILABLE',
  /** What the request would create exists already, or the change would break a rule (the last admin). */
  CONFLICT: 'PULSE_CONFLICT',
  /** Too many attempts (failed logins from one address, a locked account): later, the same request can succeed. */
  TOO_MANY_ATTEMPTS: 'PULSE_TOO_MANY_ATTEMPTS',
} as const;

export type ErrorCode = (typeof errorCodes)[keyof typeof errorCodes];

/** What a code means when nothing more specific is known. */
const retriableByDefault: Record<ErrorCode, boolean> = {
  PULSE_CONFIG_INVALID: false,
  PULSE_BAD_REQUEST: false,
  PULSE_NOT_FOUND: false,
  PULSE_METHOD_NOT_ALLOWED: false,
  PULSE_UNAUTHORIZED: false,
  PULSE_FORBIDDEN: false,
  PULSE_BUS_UNAVAILABLE: true,
  PULSE_BUS_UNKNOWN_TOPIC: false,
  PULSE_BUS_CLOSED: false,
  PULSE_BUS_INVALID_RECORD: false,
  PULSE_BUS_UNAUTHORIZED: false,
  PULSE_BUS_GROUP_ACTIVE: true,
  PULSE_STORE_UNAVAILABLE: true,
  PULSE_STORE_REJECTED: false,
  PULSE_STORE_FAILED: true,
  PULSE_HISTORY_UNAVAILABLE: false,
  PULSE_CONFLICT: false,
  PULSE_TOO_MANY_ATTEMPTS: true,
};

export class PulseError extends Error {
  readonly code: ErrorCode;
  /** Whether repeating the same operation later can succeed. */
  readonly retriable: boolean;
  /** A short machine-readable name for clients (`bad_range`, `unknown_site`); the code's own when absent. */
  readonly detail: string | undefined;
  /** When retrying can help after a known wait (a lock's end), the seconds to wait; sent as Retry-After. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; retriable?: boolean; detail?: string; retryAfterSeconds?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'PulseError';
    this.code = code;
    this.retriable = options.retriable ?? retriableByDefault[code];
    this.detail = options.detail;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isPulseError(error: unknown, code?: ErrorCode): error is PulseError {
  return error instanceof PulseError && (code === undefined || error.code === code);
}

/** Whether to try again: what the error says of itself, and for errors Pulse did not classify, yes (wait, never lose data). */
export function isRetriable(error: unknown): boolean {
  return error instanceof PulseError ? error.retriable : true;
}

export const badRequest = (detail: string, message: string): PulseError => new PulseError(errorCodes.BAD_REQUEST, message, { detail });

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
