import { createHash, timingSafeEqual } from 'node:crypto';
import type { Executor } from '../../db/client';
import type { Auth, GraphQLContext } from '../../graphql/context';
import { ApiError, ErrorCode } from '../../graphql/errors';
import { findLiveKey, touchApiKey, type Scope } from './api-keys';

export interface AuthConfig {
  db: Executor;
  /** The bootstrap publish key from the environment (read and publish). */
  publishToken: string | undefined;
  /** Whether callers without a key may read. */
  publicRead: boolean;
  /** Where a failed last-used update is reported (it never fails the request). */
  onError?: (err: unknown) => void;
}

const ANONYMOUS_READER: Auth = Object.freeze({ principal: 'anonymous', keyId: null, scopes: Object.freeze(['read'] as const) });
const ANONYMOUS: Auth = Object.freeze({ principal: 'anonymous', keyId: null, scopes: Object.freeze([]) });
/** The caller without a credential (one object, shared: every idle anonymous socket keeps it). */
export const anonymous = (publicRead: boolean): Auth => (publicRead ? ANONYMOUS_READER : ANONYMOUS);

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * `Bearer <token>` (HTTP header or WebSocket connectionParams) → who is calling: an API key
 * (`dq_live_…`), the bootstrap PUBLISH_TOKEN, or anonymous. 'invalid' for a malformed header or
 * a token that is unknown, revoked or expired.
 */
export async function authenticate(authorization: string | undefined, config: AuthConfig): Promise<Auth | 'invalid'> {
  if (!authorization) return anonymous(config.publicRead);
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!m) return 'invalid';
  const token = m[1]!;
  // Hash both sides: a constant-time comparison that also hides the token's length.
  if (config.publishToken && timingSafeEqual(digest(token), digest(config.publishToken))) {
    return { principal: 'publish-token', keyId: null, scopes: ['read', 'publish'] };
  }
  const key = await findLiveKey(config.db, token);
  if (!key) return 'invalid';
  touchApiKey(config.db, key.id).catch((err: unknown) => config.onError?.(err));
  return { principal: `key:${key.name}`, keyId: key.id, scopes: key.scopes };
}

/** `admin` includes `read` (an admin reads key lists and webhooks through queries); `publish` is its own. */
export const hasScope = (auth: Auth, scope: Scope): boolean => auth.scopes.includes(scope) || (scope === 'read' && auth.scopes.includes('admin'));

/** UNAUTHENTICATED without a credential, FORBIDDEN with one that lacks the scope. */
export function requireScope(auth: Auth, scope: Scope, what: string): void {
  if (hasScope(auth, scope)) return;
  if (auth.principal === 'anonymous') {
    throw new ApiError(ErrorCode.UNAUTHENTICATED, `${what} needs an API key with the "${scope}" scope: send Authorization: Bearer <key>`, { scope });
  }
  throw new ApiError(ErrorCode.FORBIDDEN, `${what} needs the "${scope}" scope, which this key does not have`, { scope });
}

export function requirePublish(ctx: GraphQLContext): void {
  requireScope(ctx.auth, 'publish', 'publishing');
}
