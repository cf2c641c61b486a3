import type { HeaderMap } from '@apollo/server';

/** Content types a browser sends without a preflight: Apollo's CSRF prevention refuses them. */
const SIMPLE_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/** Whether an If-None-Match header names this ETag (weak comparison, as RFC 9110 asks for If-None-Match). */
export function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

/** Apollo's CSRF rule: a request needs a non-simple content type or a preflight header to run. */
export function preflighted(headers: HeaderMap): boolean {
  const type = headers.get('content-type');
  if (type !== undefined && !SIMPLE_TYPES.has(type.split(';')[0]!.trim().toLowerCase())) return true;
  return Boolean(headers.get('x-apollo-operation-name') || headers.get('apollo-require-preflight'));
}
