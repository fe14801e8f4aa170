import { isIPv4, isIPv6 } from 'node:net';

/** Keeps enough of an address for geography while dropping the host part (GDPR-friendly). */
export function anonymizeIp(ip: string): string {
  const v4 = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  if (isIPv4(v4)) return v4.replace(/\.\d+$/, '.0');
  if (isIPv6(ip)) {
    const groups = expandIPv6(ip);
    return `${groups.slice(0, 3).join(':')}::`;
  }
  return ip;
}

function expandIPv6(ip: string): string[] {
  const [head = '', tail = ''] = ip.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const missing = ip.includes('::') ? 8 - left.length - right.length : 0;
  return [...left, ...Array<string>(missing).fill('0'), ...right];
}
