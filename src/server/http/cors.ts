import type { IncomingMessage, ServerResponse } from 'node:http';

/** Headers a browser script may read from our responses. */
const EXPOSED_HEADERS = 'x-request-id, ratelimit-limit, ratelimit-remaining, ratelimit-reset, ratelimit-policy, retry-after';

/**
 * CORS for /graphql (and feeds): origins in the list (or any, with "*") may call from a browser;
 * others get no CORS headers, so their browsers refuse. Answers a preflight itself (returns true).
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, origins: readonly string[]): boolean {
  const origin = req.headers.origin;
  const allowed = origin !== undefined && (origins.includes('*') || origins.includes(origin));
  if (allowed) {
    res.setHeader('access-control-allow-origin', origins.includes('*') ? '*' : origin);
    res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
  }
  res.setHeader('vary', 'origin');
  if (req.method !== 'OPTIONS') return false;
  if (allowed) {
    res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    res.setHeader('access-control-allow-headers', 'authorization, content-type, apollo-require-preflight, x-apollo-operation-name, x-request-id');
    res.setHeader('access-control-max-age', '600');
  }
  res.writeHead(204).end();
  return true;
}
