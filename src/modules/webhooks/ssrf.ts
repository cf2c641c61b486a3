import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { badUserInput } from '../../server/errors';

/**
 * Webhook URLs must not reach into our own network. Refused: anything but https (plain http only
 * for allow-listed hosts), and hosts that resolve to loopback, private, link-local (incl. cloud
 * metadata 169.254.169.254), CGNAT, multicast, reserved or unspecified addresses, in IPv4, IPv6
 * or IPv4-mapped IPv6, however the address is written (ipaddr.js parses decimal, hex and octal
 * forms). Checked at registration and again before every connection (DNS may change).
 */
export interface SsrfPolicy {
  /** Hosts (exact names) or CIDRs that may be used even when private, and over plain http. */
  allow: readonly string[];
}

const ALLOWED_RANGES = new Set(['unicast']);

/** Whether an address (any notation, IPv4-mapped included) is an ordinary public unicast one. */
export function isPublic(address: string): boolean {
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  return ALLOWED_RANGES.has(ip.range());
}

/** Whether the host is allow-listed by name, or every address it resolves to lies in an allow-listed CIDR. */
export function allowListed(host: string, addresses: readonly string[], policy: SsrfPolicy): boolean {
  return policy.allow.some((entry) => {
    if (!entry.includes('/')) return entry.toLowerCase() === host.toLowerCase();
    try {
      const [range, bits] = ipaddr.parseCIDR(entry);
      return addresses.length > 0 && addresses.every((a) => {
        const ip = ipaddr.process(a);
        return ip.kind() === range.kind() && ip.match(range, bits);
      });
    } catch {
      return false;
    }
  });
}

/** The addresses a host stands for: itself when it is a literal (any notation), else DNS. */
async function resolve(host: string): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(bare)) return [ipaddr.process(bare).toString()];
  return (await lookup(bare, { all: true, verbatim: true })).map((r) => r.address);
}

/** Throws BAD_USER_INPUT naming what is wrong with `url`; resolves to the URL when it may be used. */
export async function checkWebhookUrl(raw: string, policy: SsrfPolicy, field = 'url'): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badUserInput(field, 'not a URL');
  }
  if (url.username || url.password) throw badUserInput(field, 'must not carry credentials');
  let addresses: string[];
  try {
    addresses = await resolve(url.hostname);
  } catch {
    throw badUserInput(field, `host "${url.hostname}" does not resolve`);
  }
  const listed = allowListed(url.hostname, addresses, policy);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && listed)) throw badUserInput(field, 'must be https (plain http only for hosts in WEBHOOK_ALLOW_HOSTS)');
  if (!listed) {
    const blocked = addresses.find((a) => !isPublic(a));
    if (blocked) throw badUserInput(field, `host "${url.hostname}" resolves to ${blocked}, a private, loopback, link-local or otherwise internal address`);
  }
  return url;
}
