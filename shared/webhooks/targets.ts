/**
 * Which addresses a webhook may be sent to (SSRF guard). A subscription's URL is chosen by its
 * creator, and the dispatcher runs inside the cluster's network: without this check anyone who
 * may create a subscription could make it POST to the cloud metadata endpoint, the Kubernetes
 * API or any private service.
 *
 * The check applies to the address actually connected to: `guardedLookup` resolves the name,
 * refuses it if any address it resolves to is refused, and hands the checked address to the
 * socket, so a name that resolves differently a second time (DNS rebinding) cannot slip past.
 */
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';

/** Refused always: cloud metadata services, multicast, broadcast, reserved. */
const NEVER = new BlockList();
NEVER.addAddress('169.254.169.254'); // AWS, GCP, Azure, OpenStack metadata
NEVER.addAddress('169.254.170.2'); // ECS task metadata
NEVER.addAddress('100.100.100.200'); // Alibaba Cloud metadata
NEVER.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata over IPv6
NEVER.addSubnet('224.0.0.0', 4); // multicast
NEVER.addSubnet('240.0.0.0', 4); // reserved, broadcast
NEVER.addSubnet('ff00::', 8, 'ipv6'); // multicast

/** Refused unless SUBSCRIPTION_ALLOW_PRIVATE_TARGETS: loopback, private, link-local, shared, documentation. */
const PRIVATE = new BlockList();
for (const [net, bits] of [
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
] as const) {
  PRIVATE.addSubnet(net, bits);
}
for (const [net, bits] of [
  ['::', 96], // unspecified, loopback, IPv4-compatible
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv6');
}

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) IPv6 address. */
function embeddedIpv4(ip6: string): string | undefined {
  const lower = ip6.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return undefined;
  const hi = parseInt(hex[1]!, 16);
  const lo = parseInt(hex[2]!, 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/** Why a connection to `ip` is refused, or undefined when it is allowed. */
export function addressProblem(ip: string, allowPrivate: boolean): string | undefined {
  const family = isIP(ip);
  if (family === 0) return `${ip} is not an IP address`;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const v4 = family === 6 ? embeddedIpv4(ip) : undefined;
  if (v4 !== undefined) return addressProblem(v4, allowPrivate);
  if (NEVER.check(ip, type)) return `${ip} is a metadata, multicast or reserved address, never a webhook target`;
  if (!allowPrivate && PRIVATE.check(ip, type)) {
    return `${ip} is a loopback, private or link-local address; targets there are refused unless SUBSCRIPTION_ALLOW_PRIVATE_TARGETS=true`;
  }
  return undefined;
}

export class TargetRefused extends Error {
  readonly code = 'ETARGETREFUSED';
}

/** Resolves a host name to every address it has (injectable, so tests need no DNS). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request: every address the name resolves to must pass, and the socket
 * connects to the addresses checked here.
 */
export function guardedLookup(allowPrivate: boolean, resolver: Resolver = systemResolver) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    resolver(hostname).then(
      (addresses) => {
        if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
        for (const a of addresses) {
          const problem = addressProblem(a.address, allowPrivate);
          if (problem) return callback(new TargetRefused(`${hostname} resolves to ${problem}`), []);
        }
        if (options.all) return callback(null, addresses);
        return callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, []),
    );
  };
}

/** The host of a URL as an address to check when it is an IP literal (`[::1]` → `::1`). */
export function literalAddress(url: URL): string | undefined {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return isIP(host) ? host : undefined;
}

/** Why `raw` is not an acceptable target URL, checked before any request is made. */
export function urlProblem(raw: string, allowPrivate: boolean): { url: URL } | { problem: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: 'url must be an absolute http or https URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: 'url must use http or https' };
  if (url.username || url.password) return { problem: 'url must not carry credentials: verify the webhook signature instead' };
  if (url.hash) return { problem: 'url must not have a fragment' };
  if (raw.length > 2048) return { problem: 'url must be at most 2048 characters' };
  const literal = literalAddress(url);
  if (literal !== undefined) {
    const problem = addressProblem(literal, allowPrivate);
    if (problem) return { problem: `url: ${problem}` };
  } else if (!allowPrivate && /(^|\.)(localhost|internal|local)$/i.test(url.hostname.replace(/\.$/, ''))) {
    return { problem: `url: ${url.hostname} names a local host; targets there are refused unless SUBSCRIPTION_ALLOW_PRIVATE_TARGETS=true` };
  }
  return { url };
}
