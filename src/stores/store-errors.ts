import { PulseError, errorCodes } from '../shared/errors.ts';

/**
 * How stores report failures: STORE_UNAVAILABLE when the store cannot be reached or is overloaded
 * (try again), STORE_REJECTED when it refused the data (the same write fails again), STORE_FAILED
 * when an operator must act (schema, permissions). Messages name the store and the operation, not
 * the data, so row contents never reach logs or clients.
 */
export type StoreErrorKind = 'unavailable' | 'rejected' | 'failed';

export const storeCodes = {
  unavailable: errorCodes.STORE_UNAVAILABLE,
  rejected: errorCodes.STORE_REJECTED,
  failed: errorCodes.STORE_FAILED,
} as const;

export function storeError(kind: StoreErrorKind, message: string, cause?: unknown): PulseError {
  return new PulseError(storeCodes[kind], message, { cause });
}

/**
 * PostgreSQL's SQLSTATE classes (also PGlite's): 08 connection, 53 resources, 57 operator
 * intervention, 40 serialization/deadlock are transient; 22 data exceptions and 23 constraint
 * violations are the data's fault; the rest (42 syntax/undefined table, 28 auth, …) need an operator.
 */
export function postgresErrorKind(error: unknown): StoreErrorKind {
  const sqlState = (error as { code?: unknown } | null)?.code;
  if (typeof sqlState !== 'string' || !/^[0-9A-Z]{5}$/.test(sqlState)) return 'unavailable'; // network, pool, timeout
  const klass = sqlState.slice(0, 2);
  if (['08', '53', '57', '40', '58'].includes(klass)) return 'unavailable';
  if (klass === '22' || klass === '23' || klass === '54') return 'rejected';
  return 'failed';
}

/** Redis answers errors as "CODE message"; these codes pass with time. */
const transientRedisCodes = new Set(['LOADING', 'BUSY', 'TRYAGAIN', 'CLUSTERDOWN', 'MASTERDOWN', 'OOM', 'READONLY', 'NOREPLICAS']);

export function redisErrorKind(error: unknown): StoreErrorKind {
  // ioredis reports server answers as ReplyError; anything else is the connection.
  if (!(error instanceof Error) || error.name !== 'ReplyError') return 'unavailable';
  const code = error.message.split(' ', 1)[0] ?? '';
  if (transientRedisCodes.has(code)) return 'unavailable';
  return code === 'NOSCRIPT' ? 'unavailable' : 'failed';
}

/**
 * Wraps every promise-returning method of a store so its failures arrive as PulseErrors of the
 * store's classification; errors that already are PulseErrors pass unchanged.
 */
export function withStoreErrors<T extends object>(store: T, name: string, kindOf: (error: unknown) => StoreErrorKind): T {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) return result;
        return result.catch((error: unknown) => {
          if (error instanceof PulseError) throw error;
          const kind = kindOf(error);
          throw storeError(kind, `${name} ${String(property)} failed (${kind})`, error);
        });
      };
    },
  });
}

/** SQLite's primary result codes (node:sqlite's `errcode`): busy, locked, out of memory, I/O and a full disk pass with time. */
export function sqliteErrorKind(error: unknown): StoreErrorKind {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  if (typeof code !== 'number') return 'unavailable';
  const primary = code & 0xff;
  if ([5, 6, 7, 10, 13, 14, 15].includes(primary)) return 'unavailable';
  if ([18, 19, 20, 25].includes(primary)) return 'rejected';
  return 'failed';
}
