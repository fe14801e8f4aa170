import { createHash, randomBytes, randomUUID } from 'node:crypto';

/**
 * Session ids, API tokens, share tokens and the setup token: 256 random bits, prefixed so that a
 * leaked one is recognisable (secret scanners, logs). Only their SHA-256 digest is stored: they
 * are long and random, so a fast hash is enough and lookups stay exact.
 */
export type SecretKind = 'session' | 'token' | 'share' | 'setup' | 'csrf';

const prefixes: Record<SecretKind, string> = { session: 'ps', token: 'pat', share: 'psh', setup: 'pst', csrf: 'pcs' };

export const newSecret = (kind: SecretKind): string => `${prefixes[kind]}_${randomBytes(32).toString('base64url')}`;

export const digestOf = (secret: string): string => createHash('sha256').update(secret).digest('hex');

export const newId = (): string => randomUUID();

/** Whether a string looks like a secret of this kind (cheap check before a lookup). */
export const isSecretOf = (kind: SecretKind, value: string): boolean => new RegExp(`^${prefixes[kind]}_[A-Za-z0-9_-]{43}$`).test(value);
