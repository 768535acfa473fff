import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may go. Clarion sends requests to URLs an owner typed, so without these rules an
 * owner's token (or a stolen one) could make the worker call the metadata service, Redis or
 * anything else on the private network (SSRF). Public https only; the allowlist
 * (WEBHOOKS_ALLOW_PRIVATE_HOSTS, refused in production) names hosts that may be plain http and
 * private, for tests and development.
 */
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(network, prefix, 'ipv6');

/** Names that never lead to the public internet, whatever a resolver says. */
const LOCAL_NAMES = /(^|\.)(localhost|local|internal|intranet|home|lan|corp|localdomain)$/i;

/** Whether an address is loopback, private, link-local, reserved or multicast (IPv4-mapped IPv6 as its IPv4). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true; // not an address: refuse rather than guess
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The URL's host as Node connects to it: brackets off an IPv6 literal, lower case. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
}

/** Why a URL may not be an endpoint, or undefined when it may (checked at registration and before each send). */
export function urlRefusal(raw: string, allowPrivateHosts: ReadonlySet<string>): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username || url.password) return 'must not carry a user name or password';
  const host = hostOf(url);
  const allowed = allowPrivateHosts.has(host);
  if (url.protocol !== 'https:' && !(allowed && url.protocol === 'http:')) return 'must be https';
  if (allowed) return undefined;
  if (isIP(host) !== 0) return isPrivateAddress(host) ? 'must not be a private, loopback or link-local address' : undefined;
  if (!host.includes('.') || LOCAL_NAMES.test(host)) return 'must be a public host name';
  return undefined;
}

/**
 * A `lookup` for http(s).request that refuses private addresses of the host actually connected to,
 * so a name that resolves to a public address at registration and to 127.0.0.1 later (DNS
 * rebinding) is still refused. The check and the connection use the same answer.
 */
export function guardedLookup(allowPrivateHosts: ReadonlySet<string>) {
  return (
    hostname: string,
    options: LookupOptions,
    callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      const list = addresses;
      const refused = !allowPrivateHosts.has(hostname.toLowerCase()) && list.some((a) => isPrivateAddress(a.address));
      if (refused || list.length === 0) {
        const refusal: NodeJS.ErrnoException = new Error('the host resolves to a private address');
        refusal.code = 'ERR_WEBHOOK_PRIVATE_ADDRESS';
        return callback(refusal, '');
      }
      if (options.all) return callback(null, list);
      return callback(null, list[0]!.address, list[0]!.family);
    });
  };
}
