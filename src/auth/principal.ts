import type { Role, UserRecord } from '../stores/accounts/account-store.ts';

/** The sites a principal may read: every site, or these keys. */
export type SiteScope = 'all' | ReadonlySet<string>;

/**
 * Who is asking. `operator` is PULSE_ADMIN_TOKEN (the deployment's own credential, for scripts,
 * the CLI and Alertmanager); `share` is a visitor holding a site's public share link (read-only,
 * that site only).
 */
export type Principal =
  | { kind: 'session'; user: UserRecord; role: Role; sites: SiteScope; csrf: string; sessionDigest: string }
  | { kind: 'token'; user: UserRecord; role: Role; sites: SiteScope }
  | { kind: 'operator'; role: 'admin'; sites: 'all' }
  | { kind: 'share'; role: 'share'; sites: ReadonlySet<string> };

export const scopeOf = (user: UserRecord): SiteScope => (user.role === 'admin' ? 'all' : new Set(user.sites));

export const canRead = (principal: Principal, site: string): boolean => principal.sites === 'all' || principal.sites.has(site);

/** How the principal is described to the dashboard (GET /api/auth/me). */
export function describePrincipal(principal: Principal): {
  via: Principal['kind'];
  role: Principal['role'];
  user: { id: string; username: string } | null;
  sites: string[] | '*';
  csrf: string | null;
} {
  const user =
    principal.kind === 'session' || principal.kind === 'token' ? { id: principal.user.id, username: principal.user.username } : null;
  return {
    via: principal.kind,
    role: principal.role,
    user,
    sites: principal.sites === 'all' ? '*' : [...principal.sites].sort(),
    csrf: principal.kind === 'session' ? principal.csrf : null,
  };
}
