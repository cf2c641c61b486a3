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

const failed = (error: string, refused = false): Omit<SendResult, 'latencyMs'> => ({ status: null, retryAfterSeconds: null, error, ...(refused ? { refused } : {}) });

/**
 * One POST to a target the SSRF rules allow now, no redirects followed; never throws. The whole
 * attempt (DNS, connect, headers and body) has one absolute deadline, `timeoutMs`: a receiver that
 * trickles its answer cannot hold it longer (and so not past the claim's lease, which is longer).
 */
export async function post(rawUrl: string, body: string, headers: Record<string, string>, policy: SsrfPolicy, timeoutMs: number): Promise<SendResult> {
  const started = Date.now();
  const late = failed(`no complete response within ${timeoutMs} ms (headers and body)`);
  const result = (r: Omit<SendResult, 'latencyMs'>): SendResult => ({ ...r, latencyMs: Date.now() - started });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
  try {
    const target = await Promise.race([checkTarget(rawUrl, policy), deadline]);
    if (target === null) return result(late);
    if ('refused' in target) return result(failed(`refused by the SSRF guard, not sent: ${target.refused}`, true));
    if ('error' in target) return result(failed(target.error));
    let req: http.ClientRequest | undefined;
    const answer = await Promise.race([request(target.url, body, headers, policy, (r) => (req = r)), deadline]);
    if (answer !== null) return result(answer);
    req?.destroy();
    return result(late);
  } finally {
    clearTimeout(timer);
  }
}

/** The request itself: resolves with its outcome once the whole answer is read. */
function request(url: URL, body: string, headers: Record<string, string>, policy: SsrfPolicy, started: (req: http.ClientRequest) => void): Promise<Omit<SendResult, 'latencyMs'>> {
  return new Promise((done) => {
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'digestql-webhooks/1', ...headers },
        lookup: guardedLookup(url.hostname, policy),
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
    started(req);
    req.on('error', (err: Error & { code?: string }) => done(err.code === 'SSRF_REFUSED' ? failed(`refused by the SSRF guard, not sent: ${err.message}`, true) : failed(err.message)));
    req.end(body);
  });
}
