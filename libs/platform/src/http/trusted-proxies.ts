// Which peers may tell the server how the client reached them (X-Forwarded-Proto, -For, -Host): the
// TRUST_PROXY setting, parsed for Fastify's trustProxy. Behind a gateway that terminates TLS the
// socket is plain HTTP; only a trusted gateway's X-Forwarded-Proto makes the request https, and with
// it the session cookie Secure. Trusting every peer would let any client claim https, so it is not
// offered: name the gateways' addresses, or how many hops of proxies stand in front.
import { isIP } from 'node:net';

/** Address ranges known by name (those of the proxy-addr package Fastify uses). */
const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'] as const;
/** More hops than any real chain of proxies; a larger count is a typo. */
const MOST_HOPS = 10;

/** What Fastify's `trustProxy` option takes: false (no peer), a hop count, or addresses and ranges. */
export type TrustedProxies = false | number | readonly string[];

/**
 * Parses TRUST_PROXY: empty (the default) trusts no peer; a number trusts that many hops in front of
 * the server, whatever their address (right when nothing else can reach the server's port); otherwise a
 * comma-separated list of addresses, CIDR ranges (10.0.0.0/8, fd00::/8) and the names loopback,
 * linklocal, uniquelocal. Throws what is wrong, naming the entry.
 */
export function trustedProxies(setting: string): TrustedProxies {
  const problem = trustedProxiesProblem(setting);
  if (problem) throw new Error(problem);
  const value = setting.trim();
  if (value === '') return false;
  if (/^\d+$/.test(value)) return Number(value) === 0 ? false : Number(value);
  return value.split(',').map((entry) => entry.trim());
}

/** Why a TRUST_PROXY value cannot be used, or undefined when it can. */
export function trustedProxiesProblem(setting: unknown, name = 'TRUST_PROXY'): string | undefined {
  if (typeof setting !== 'string') return `${name} must be a string`;
  const value = setting.trim();
  if (value === '') return undefined;
  if (/^\d+$/.test(value)) {
    return Number(value) <= MOST_HOPS ? undefined : `${name} must be a hop count of at most ${MOST_HOPS}, or addresses; got ${value}`;
  }
  const everyPeer = `${name} cannot trust every peer (any client could claim https); name the gateways' addresses or ranges (e.g. 10.0.0.0/8, loopback) or a hop count`;
  if (/^(true|yes|\*|all)$/i.test(value)) return everyPeer;
  for (const entry of value.split(',').map((part) => part.trim())) {
    // A /0 range is every address of its family.
    if (/\/0+$/.test(entry)) return everyPeer;
    if (!isTrustedProxyEntry(entry)) {
      return `${name} has '${entry}', which is not an IP address, a CIDR range (address/prefix) or one of ${NAMED_RANGES.join(', ')}`;
    }
  }
  return undefined;
}

function isTrustedProxyEntry(entry: string): boolean {
  if ((NAMED_RANGES as readonly string[]).includes(entry)) return true;
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}
