import { BlockList, isIP } from 'node:net';

/**
 * A site's shields, as Plausible offers them: addresses or CIDR ranges (the owner's office) and
 * page paths (`*` matches any run of characters) whose visits are dropped at ingest, never stored.
 */
export interface ShieldRules {
  excludedIps: readonly string[];
  excludedPaths: readonly string[];
}

export interface Shield {
  /** Why an event from `ip` for `url` is dropped, or undefined when it passes. */
  reasonFor(ip: string | null, url: string): 'shield_ip' | 'shield_path' | undefined;
}

/** `::ffff:10.0.0.1` (IPv4 on a dual-stack socket) is 10.0.0.1. */
const plainIp = (ip: string): string => (ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip);

/** Why an address or range is not one, or undefined (used to refuse a bad rule before it is stored). */
export function ipRuleProblem(rule: string): string | undefined {
  const [address, bits, extra] = rule.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return `"${rule}" is not an IP address or a CIDR range such as 203.0.113.0/24`;
  if (bits !== undefined) {
    const prefix = Number(bits);
    if (!/^\d{1,3}$/.test(bits) || prefix > (family === 4 ? 32 : 128))
      return `"${rule}": the prefix length must be 0–${family === 4 ? 32 : 128}`;
  }
  return undefined;
}

/** Why a path rule is not one, or undefined. */
export function pathRuleProblem(rule: string): string | undefined {
  if (!rule.startsWith('/') || rule.length > 300 || /[\s\u0000-\u001f\u007f]/.test(rule))
    return `"${rule}" is not a path such as /admin/* (starting with /, no spaces)`;
  return undefined;
}

const pathPattern = (rule: string): RegExp =>
  new RegExp(
    `^${rule
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );

function pathOf(url: string): string | undefined {
  try {
    return new URL(url).pathname;
  } catch {
    return undefined;
  }
}

export function compileShield(rules: ShieldRules): Shield | undefined {
  if (rules.excludedIps.length === 0 && rules.excludedPaths.length === 0) return undefined;
  const blocked = new BlockList();
  for (const rule of rules.excludedIps) {
    const [address = '', bits] = rule.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) blocked.addAddress(address, type);
    else blocked.addSubnet(address, Number(bits), type);
  }
  const paths = rules.excludedPaths.map(pathPattern);
  return {
    reasonFor(ip, url) {
      if (ip !== null && rules.excludedIps.length > 0) {
        const address = plainIp(ip);
        const family = isIP(address);
        if (family !== 0 && blocked.check(address, family === 6 ? 'ipv6' : 'ipv4')) return 'shield_ip';
      }
      if (paths.length > 0) {
        const path = pathOf(url);
        if (path !== undefined && paths.some((pattern) => pattern.test(path))) return 'shield_path';
      }
      return undefined;
    },
  };
}
