import { PulseError, errorCodes } from '../shared/errors.ts';

/**
 * Failed logins per client address in a sliding window: past `limit` failures the address is
 * refused (429) until the oldest failure leaves the window, so one address cannot guess
 * passwords across many accounts faster than that. Kept in memory: a restart forgets it, and
 * the per-account lock (in the store) still holds.
 */
export interface LoginThrottle {
  check(client: string): void;
  fail(client: string): void;
  succeed(client: string): void;
}

export function createLoginThrottle(options: { limit?: number; windowMs?: number; now?: () => number } = {}): LoginThrottle {
  const limit = options.limit ?? 20;
  const windowMs = options.windowMs ?? 15 * 60_000;
  const now = options.now ?? Date.now;
  const failures = new Map<string, number[]>();
  const recent = (client: string): number[] => {
    const cutoff = now() - windowMs;
    const kept = (failures.get(client) ?? []).filter((at) => at > cutoff);
    if (kept.length === 0) failures.delete(client);
    else failures.set(client, kept);
    return kept;
  };
  return {
    check(client) {
      const kept = recent(client);
      if (kept.length >= limit) {
        throw new PulseError(errorCodes.TOO_MANY_ATTEMPTS, 'too many failed logins from this address; try again later', {
          detail: 'too_many_attempts',
          retryAfterSeconds: Math.max(1, Math.ceil(((kept[0] ?? now()) + windowMs - now()) / 1000)),
        });
      }
    },
    fail(client) {
      const kept = recent(client);
      kept.push(now());
      failures.set(client, kept);
      if (failures.size > 100_000) failures.delete(failures.keys().next().value as string); // bounded under a spray of addresses
    },
    succeed(client) {
      failures.delete(client);
    },
  };
}
