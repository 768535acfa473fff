import { isIP } from 'node:net';
import type { Platform } from './context';
import { keyedHash } from './crypto';

/**
 * A keyed hash of the client's network, so an admin can see a flood from one source without us
 * ever storing an address. IPv6 clients usually own a whole /64, so the /64 is what identifies them.
 * The key changes every UTC day (derived from SECRET_KEY and the date): one network gets one hash
 * per day, and a leaked SECRET_KEY only lets someone test guessed addresses day by day against
 * hashes still kept (they are cleared after IP_HASH_RETENTION_DAYS, supporters/ip-hash-retention.ts), instead
 * of reversing all 2^32 IPv4 addresses once for every signature ever stored.
 */
export function ipSourceHash(platform: Pick<Platform, 'keys'>, ip: string | undefined, at = new Date()): Buffer | null {
  const network = ip ? networkOf(ip) : null;
  return network ? networkHash(platform, network, at) : null;
}

/** The hash of a network named by networkOf or widerNetworksOf, under the day's key. */
export function networkHash(platform: Pick<Platform, 'keys'>, network: string, at = new Date()): Buffer {
  return keyedHash(dayKey(platform.keys.ipHash, at), network).subarray(0, 16);
}

const dayKeys = new Map<string, Buffer>();

function dayKey(base: Buffer, at: Date): Buffer {
  const id = `${base.toString('hex')}:${at.toISOString().slice(0, 10)}`;
  let key = dayKeys.get(id);
  if (!key) {
    if (dayKeys.size > 16) dayKeys.clear(); // a few days of a few processes' keys at most
    key = keyedHash(base, `ip-hash-day:${at.toISOString().slice(0, 10)}`);
    dayKeys.set(id, key);
  }
  return key;
}

/**
 * The /56 and /48 around an IPv6 client (none for IPv4): providers hand out /56s and /48s, so one
 * client may own 256 or 65,536 /64s. The signing limits count these too.
 */
export function widerNetworksOf(ip: string): string[] {
  const network = networkOf(ip);
  if (!network || !network.endsWith('::/64')) return [];
  const groups = expandIPv6(ip);
  const g56 = (parseInt(groups[3]!, 16) & 0xff00).toString(16).padStart(4, '0');
  return [`${groups.slice(0, 3).join(':')}:${g56}::/56`, `${groups.slice(0, 3).join(':')}::/48`];
}

export function networkOf(ip: string): string | null {
  const version = isIP(ip);
  if (version === 4) return ip;
  if (version !== 6) return null;
  const groups = expandIPv6(ip);
  // An IPv4 client of a dual-stack socket, however the mapped address is spelled (::ffff:c000:201
  // too): its network is the IPv4 address, or every such client would share the /64 `::`.
  if (groups.slice(0, 5).every((group) => group === '0000') && groups[5] === 'ffff') {
    return groups
      .slice(6)
      .flatMap((group) => [parseInt(group.slice(0, 2), 16), parseInt(group.slice(2), 16)])
      .join('.');
  }
  return `${groups.slice(0, 4).join(':')}::/64`;
}

/** The eight 4-digit groups of a valid IPv6 address (zone id dropped, a dotted IPv4 tail converted). */
function expandIPv6(ip: string): string[] {
  let address = ip.split('%')[0]!;
  const dotted = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(2).map(Number) as [number, number, number, number];
    address = `${dotted[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  return [...left, ...Array<string>(tail !== undefined ? missing : 0).fill('0'), ...right].map((h) => h.toLowerCase().padStart(4, '0'));
}
