import type { Clock } from './clock.ts';

/** Seed 002: at most 5 attempts, exponential back-off, no wait longer than 30 s. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Wait before the second attempt; doubled before each next one. */
  baseMs: number;
  /** Longest wait between two attempts. */
  maxMs: number;
}

export const defaultRetryPolicy = { attempts: 5, baseMs: 1000, maxMs: 30_000 } as const satisfies RetryPolicy;

/** Wait after failed attempt `attempt` (1-based): base · 2^(attempt−1), capped. */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'baseMs' | 'maxMs'>): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
}

/** Whether trying again can help: errors say so (`retriable`), anything else is taken as transient. */
function isRetriable(error: unknown): boolean {
  if (typeof error === 'object' && error !== null && 'retriable' in error) return (error as { retriable: unknown }).retriable === true;
  return true;
}

export class DeliveryFailedError extends Error {
  readonly attempts: number;
  constructor(attempts: number, cause: unknown) {
    super(`gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'DeliveryFailedError';
    this.attempts = attempts;
  }
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retriable error, or the policy's attempts are
 * spent; throws DeliveryFailedError with the last cause then. `onRetry` sees each failure that is
 * followed by a wait (for logs and counters).
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  clock: Clock,
  onRetry: (failure: { attempt: number; delayMs: number; error: unknown }) => void = () => {},
): Promise<T> {
  for (let n = 1; ; n += 1) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= policy.attempts || !isRetriable(error)) throw new DeliveryFailedError(n, error);
      const delayMs = backoffDelay(n, policy);
      onRetry({ attempt: n, delayMs, error });
      await clock.sleep(delayMs);
    }
  }
}
