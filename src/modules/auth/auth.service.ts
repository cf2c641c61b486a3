import { createHash, timingSafeEqual } from 'node:crypto';
import type { Auth, GraphQLContext } from '../../server/context';
import { ApiError, ErrorCode } from '../../server/errors';

export const ANONYMOUS: Auth = { principal: 'anonymous', canPublish: false };

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** `Bearer <token>` (HTTP header or WebSocket connectionParams) → who is calling. */
export function authenticate(authorization: string | undefined, publishToken: string | undefined): Auth | 'invalid' {
  if (!authorization) return ANONYMOUS;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!m) return 'invalid';
  // Hash both sides: a constant-time comparison that also hides the token's length.
  if (publishToken && timingSafeEqual(digest(m[1]!), digest(publishToken))) return { principal: 'publish-token', canPublish: true };
  return 'invalid';
}

export function requirePublish(ctx: GraphQLContext): void {
  if (ctx.auth.principal === 'anonymous') {
    throw new ApiError(ErrorCode.UNAUTHENTICATED, 'publishing needs a publish credential: send Authorization: Bearer <token>');
  }
  if (!ctx.auth.canPublish) throw new ApiError(ErrorCode.FORBIDDEN, 'this credential may not publish');
}
