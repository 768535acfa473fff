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
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  const version = isIP(ip);
  if (version === 4) return ip;
  if (version !== 6) return null;
  return `${expandIPv6(ip).slice(0, 4).join(':')}::/64`;
}

function expandIPv6(ip: string): string[] {
  const [head = '', tail] = ip.split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  return [...left, ...Array<string>(tail !== undefined ? missing : 0).fill('0'), ...right].map((h) => h.toLowerCase().padStart(4, '0'));
}
