import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { allowListed, checkTarget, isPublic, type SsrfPolicy } from './ssrf';

/** A 2xx answer: the delivery succeeded (anything else, or no answer, is a failed attempt). */
export const succeeded = (status: number | null): boolean => status !== null && status >= 200 && status < 300;

export interface SendResult {
  status: number | null;
  latencyMs: number;
  /** Seconds the receiver asked us to wait (Retry-After on 429/503). */
  retryAfterSeconds: number | null;
  error: string | null;
  /** The SSRF rules forbid the target (no request was sent): retrying will not help. */
  refused?: boolean;
}

/**
 * Resolves like dns.lookup, then refuses internal addresses unless the host is allow-listed:
 * the check happens on the address the socket connects to, so DNS cannot change in between.
 */
function guardedLookup(host: string, policy: SsrfPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as unknown as { address: string; family: number }[];
      // The same rules as at registration (ssrf.ts), on the addresses this connection will use.
      const bad = allowListed(host, list.map((a) => a.address), policy) ? undefined : list.find((a) => !isPublic(a.address));
      if (bad) return callback(Object.assign(new Error(`refused: ${hostname} resolves to internal address ${bad.address}`), { code: 'SSRF_REFUSED' }), '', 0);
      const first = list[0]!;
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
      callback(null, first.address, first.family);
    });
  };
}

/** One POST to a target the SSRF rules allow now, no redirects followed, within `timeoutMs`; never throws. */
export async function post(rawUrl: string, body: string, headers: Record<string, string>, policy: SsrfPolicy, timeoutMs: number): Promise<SendResult> {
  const started = Date.now();
  const target = await checkTarget(rawUrl, policy);
  if ('refused' in target) return { status: null, latencyMs: Date.now() - started, retryAfterSeconds: null, error: `refused by the SSRF guard, not sent: ${target.refused}`, refused: true };
  if ('error' in target) return { status: null, latencyMs: Date.now() - started, retryAfterSeconds: null, error: target.error };
  const url = target.url;
  return new Promise((resolve) => {
    const done = (r: Omit<SendResult, 'latencyMs'>): void => resolve({ ...r, latencyMs: Date.now() - started });
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'digestql-webhooks/1', ...headers },
        lookup: guardedLookup(url.hostname, policy),
        timeout: timeoutMs,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const ra = res.headers['retry-after'];
        let seconds = ra === undefined ? null : /^\d+(\.\d+)?$/.test(ra) ? Math.ceil(Number(ra)) : Math.max(0, Math.ceil((Date.parse(ra) - Date.now()) / 1000)) || null;
        // Discord says how long in its JSON body (retry_after, seconds): read a little of a 429's body.
        let text = '';
        res.on('data', (c: Buffer) => {
          if (status === 429 && text.length < 4096) text += c.toString();
        });
        res.on('end', () => {
          if (status === 429 && seconds === null) {
            const after = Number((/"retry_after"\s*:\s*([\d.]+)/.exec(text) ?? [])[1]);
            if (Number.isFinite(after)) seconds = Math.ceil(after);
          }
          done({ status, retryAfterSeconds: seconds, error: status >= 300 && status < 400 ? `redirect to ${res.headers.location ?? '?'} not followed` : null });
        });
        res.on('error', () => done({ status, retryAfterSeconds: seconds, error: null }));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no response within ${timeoutMs} ms`), { code: 'TIMEOUT' })));
    req.on('error', (err: Error & { code?: string }) =>
      done(err.code === 'SSRF_REFUSED' ? { status: null, retryAfterSeconds: null, error: `refused by the SSRF guard, not sent: ${err.message}`, refused: true } : { status: null, retryAfterSeconds: null, error: err.message }),
    );
    req.end(body);
  });
}
