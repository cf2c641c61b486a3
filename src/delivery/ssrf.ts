import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { badUserInput } from '../graphql/errors';

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

/**
 * Whether an address (any notation, IPv4-mapped included) is an ordinary public unicast one.
 * The deprecated IPv4-compatible form (::/96, `[::127.0.0.1]`, which URL writes `[::7f00:1]`) is
 * never public: ipaddr.js calls it unicast, and some stacks still route it to the IPv4 address.
 */
export function isPublic(address: string): boolean {
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6') {
    const v6 = ip as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) ip = v6.toIPv4Address();
    else if (v6.parts.slice(0, 6).every((p) => p === 0)) return false;
  }
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

/** Why `url`, whose host stands for `addresses`, may not be used; null when it may. */
function refusal(url: URL, addresses: readonly string[], policy: SsrfPolicy): string | null {
  if (url.username || url.password) return 'must not carry credentials';
  const listed = allowListed(url.hostname, addresses, policy);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && listed)) return 'must be https (plain http only for hosts in WEBHOOK_ALLOW_HOSTS)';
  if (listed) return null;
  const blocked = addresses.find((a) => !isPublic(a));
  return blocked ? `host "${url.hostname}" resolves to ${blocked}, a private, loopback, link-local or otherwise internal address` : null;
}

function parseUrl(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

/** Throws BAD_USER_INPUT naming what is wrong with `url`; resolves to the URL when it may be used. */
export async function checkWebhookUrl(raw: string, policy: SsrfPolicy, field = 'url'): Promise<URL> {
  const url = parseUrl(raw);
  if (!url) throw badUserInput(field, 'not a URL');
  let addresses: string[];
  try {
    addresses = await resolve(url.hostname);
  } catch {
    throw badUserInput(field, `host "${url.hostname}" does not resolve`);
  }
  const why = refusal(url, addresses, policy);
  if (why) throw badUserInput(field, why);
  return url;
}

/**
 * The same check before every attempt, with the policy in force now (the allow-list may have
 * shrunk since registration, and Node does not call `lookup` for an IP literal, so the connection's
 * own guard never sees one). `refused`: the rules forbid it (final); `error`: DNS failed (retry).
 */
export async function checkTarget(raw: string, policy: SsrfPolicy): Promise<{ url: URL } | { refused: string } | { error: string }> {
  const url = parseUrl(raw);
  if (!url) return { refused: 'not a URL' };
  let addresses: string[];
  try {
    addresses = await resolve(url.hostname);
  } catch (err) {
    return { error: `host "${url.hostname}" does not resolve: ${(err as Error).message}` };
  }
  const why = refusal(url, addresses, policy);
  return why ? { refused: why } : { url };
}
