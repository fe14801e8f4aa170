/**
 * Accounts, sites and the credentials that open them: the port the auth layer works through.
 * Secrets never reach it in the clear: passwords arrive hashed (scrypt), session ids and tokens
 * as SHA-256 digests, so a copy of the database opens nothing.
 */
import type { FunnelCount, FunnelOrder, FunnelStep } from '../warehouse/product-analytics.ts';

export type Role = 'admin' | 'viewer';

export interface UserRecord {
  id: string;
  username: string;
  role: Role;
  /** Site keys a viewer is granted (admins see every site whatever this holds). */
  sites: string[];
  createdAt: string;
}

export interface StoredUser extends UserRecord {
  passwordHash: string;
  failedLogins: number;
  /** Epoch ms until which logins are refused, or null. */
  lockedUntil: number | null;
}

export interface SiteRecord {
  key: string;
  name: string;
  /** Origins whose pages may send events for this site; empty: as PULSE_CORS_ORIGINS says. */
  origins: string[];
  /** Shields: addresses / CIDR ranges and paths (with *) whose visits are dropped at ingest. */
  excludedIps: string[];
  excludedPaths: string[];
  createdAt: string;
}

/** What can change on a site record. */
export interface SiteChange {
  name?: string;
  origins?: readonly string[];
  excludedIps?: readonly string[];
  excludedPaths?: readonly string[];
}

export interface SessionRecord {
  user: StoredUser;
  csrf: string;
  expiresAt: number;
}

export interface TokenRecord {
  id: string;
  userId: string;
  username: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface ShareRecord {
  id: string;
  siteKey: string;
  createdAt: string;
}

export interface NewUser {
  id: string;
  username: string;
  role: Role;
  passwordHash: string;
  sites: readonly string[];
}

/** A funnel kept with its site, to be asked again (src/query/analytics-saved-funnels.ts). */
export interface SavedFunnelRecord {
  id: string;
  siteKey: string;
  name: string;
  steps: FunnelStep[];
  order: FunnelOrder;
  windowSeconds: number;
  countBy: FunnelCount;
  /** The username that saved it; null for the operator token or a user removed since. */
  createdBy: string | null;
  createdAt: string;
}

export type NewSavedFunnel = Omit<SavedFunnelRecord, 'createdBy' | 'createdAt'> & { createdByUserId: string | null };

export interface AccountStore {
  readonly kind: 'postgres' | 'pglite' | 'sqlite';
  migrate(): Promise<void>;
  close(): Promise<void>;

  countUsers(): Promise<number>;
  /** False when the username is taken. */
  createUser(user: NewUser): Promise<boolean>;
  findUser(by: { username: string } | { id: string }): Promise<StoredUser | undefined>;
  listUsers(): Promise<UserRecord[]>;
  removeUser(username: string): Promise<boolean>;
  /** Replaces the hash and ends every session of the user. */
  setPassword(username: string, passwordHash: string): Promise<boolean>;
  setRole(username: string, role: Role): Promise<boolean>;
  /** Replaces the user's granted sites (unknown site keys are ignored by the caller's check). */
  setGrants(username: string, sites: readonly string[]): Promise<boolean>;
  /** Counts a failed login; returns the consecutive failures, with the lock written when given. */
  recordLoginFailure(userId: string, lockUntil: (failures: number) => number | null): Promise<number>;
  recordLoginSuccess(userId: string): Promise<void>;

  createSession(session: { idHash: string; userId: string; csrf: string; expiresAt: number }): Promise<void>;
  findSession(idHash: string, now: number): Promise<SessionRecord | undefined>;
  deleteSession(idHash: string): Promise<void>;

  createToken(token: { id: string; userId: string; name: string; tokenHash: string }): Promise<void>;
  /** The token's owner; records its use (to the minute). */
  useToken(tokenHash: string, now: number): Promise<StoredUser | undefined>;
  listTokens(userId?: string): Promise<TokenRecord[]>;
  /** Deletes a token, only the user's own when userId is given. */
  deleteToken(id: string, userId?: string): Promise<boolean>;

  listSites(): Promise<SiteRecord[]>;
  /** False when the key exists. */
  addSite(site: { key: string; name: string; origins: readonly string[] }): Promise<boolean>;
  updateSite(key: string, change: SiteChange): Promise<boolean>;
  removeSite(key: string): Promise<boolean>;

  createShare(share: { id: string; siteKey: string; tokenHash: string }): Promise<void>;
  /** The site a share token opens, if it is still valid. */
  findShare(tokenHash: string): Promise<string | undefined>;
  listShares(siteKey: string): Promise<ShareRecord[]>;
  deleteShare(siteKey: string, id: string): Promise<boolean>;

  /** A site's saved funnels, by name. */
  listFunnels(siteKey: string): Promise<SavedFunnelRecord[]>;
  /** Saves a funnel unless the site has no record or already has a funnel of that name. */
  addFunnel(funnel: NewSavedFunnel): Promise<'added' | 'unknown_site' | 'name_taken'>;
  deleteFunnel(siteKey: string, id: string): Promise<boolean>;
}
