import { isIP } from 'node:net';
import type { Platform } from '../../platform/context';
import { keyedHash } from '../../platform/crypto';

/**
 * The one place supporters' personal data is sealed, opened and hashed. The purpose strings are
 * bound into each envelope, so a sealed name cannot be swapped in for an email.
 */
export const PURPOSE = {
  email: 'supporter.email',
  name: 'supporter.name',
  city: 'signature.city',
  comment: 'signature.comment',
  paragraph: 'letter.paragraph',
} as const;

type Purpose = (typeof PURPOSE)[keyof typeof PURPOSE];

export function seal(platform: Pick<Platform, 'cipher'>, value: string, purpose: Purpose): string {
  return platform.cipher.seal(value, purpose);
}

export function open(platform: Pick<Platform, 'cipher'>, envelope: string, purpose: Purpose): string {
  return platform.cipher.open(envelope, purpose);
}

export function emailLookupHash(platform: Pick<Platform, 'keys'>, canonicalEmail: string): Buffer {
  return keyedHash(platform.keys.emailLookup, canonicalEmail);
}

/**
 * A keyed hash of the client's network, so an admin can see a flood from one source without us
 * ever storing an address. IPv6 clients usually own a whole /64, so the /64 is what identifies them.
 */
export function ipSourceHash(platform: Pick<Platform, 'keys'>, ip: string | undefined): Buffer | null {
  const network = ip ? networkOf(ip) : null;
  return network ? keyedHash(platform.keys.ipHash, network).subarray(0, 16) : null;
}

export function networkOf(ip: string): string | null {
  const version = isIP(ip);
  if (version === 4) return ip;
  if (version !== 6) return null;
  const groups = expandIPv6(ip);
  // An IPv4 client of a dual-stack socket, however the mapped address is spelled (::ffff:c000:201
  // too): its network is the IPv4 address, or every such client would share the /64 `::`.
  if (groups.slice(0, 5).every((group) => group === '0000') && groups[5] === 'ffff') {
    return groups.slice(6).flatMap((group) => [parseInt(group.slice(0, 2), 16), parseInt(group.slice(2), 16)]).join('.');
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
