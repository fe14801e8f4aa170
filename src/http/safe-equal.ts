import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Whether two strings are equal, in time that depends on neither their contents nor their lengths:
 * both are hashed (SHA-256) first, so `timingSafeEqual` always compares 32 bytes. For secrets such as
 * an `Authorization` header against `Bearer <PULSE_ADMIN_TOKEN>`; `===` would stop at the first
 * differing character and let a caller find a token byte by byte.
 */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}
