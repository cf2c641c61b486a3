import { createHash, randomBytes } from 'node:crypto';
import type { Executor } from '../../db/client';
import { ApiError, ErrorCode, badUserInput } from '../../graphql/errors';
import * as repo from './api-keys.repository';
import type { ApiKeyRecord } from './api-keys.repository';

export const SCOPES = ['read', 'publish', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];
export type { ApiKeyRecord } from './api-keys.repository';

export const KEY_PREFIX = 'dq_live_';
const KEY_RE = /^dq_live_[A-Za-z0-9_-]{43}$/;

export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');
export const looksLikeApiKey = (token: string): boolean => KEY_RE.test(token);

export interface NewApiKey {
  name: string;
  scopes: readonly string[];
  expiresAt?: Date | null;
}

/** Checks a new key's fields; every problem names its field. */
function checkNewKey(input: NewApiKey, now: Date): { name: string; scopes: Scope[]; expiresAt: Date | null } {
  const name = input.name.trim();
  if (!name || name.length > 100) throw badUserInput('name', 'must be 1 to 100 characters');
  const unknown = input.scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length) throw badUserInput('scopes', `unknown scope ${unknown.map((s) => `"${s}"`).join(', ')}; use ${SCOPES.join(', ')}`);
  const scopes = SCOPES.filter((s) => input.scopes.includes(s));
  if (scopes.length === 0) throw badUserInput('scopes', `name at least one of ${SCOPES.join(', ')}`);
  const expiresAt = input.expiresAt ?? null;
  if (expiresAt && (Number.isNaN(expiresAt.getTime()) || expiresAt <= now)) throw badUserInput('expiresAt', 'must be a time in the future');
  return { name, scopes, expiresAt };
}

/** Creates a key. The key itself is returned here once and never stored. */
export async function createApiKey(db: Executor, input: NewApiKey, now = new Date()): Promise<{ key: string; record: ApiKeyRecord }> {
  const fields = checkNewKey(input, now);
  const key = KEY_PREFIX + randomBytes(32).toString('base64url');
  const record = await repo.insertApiKey(db, { ...fields, prefix: key.slice(0, KEY_PREFIX.length + 6), hash: hashKey(key) });
  if (!record) throw badUserInput('name', `a live key named "${fields.name}" exists; revoke it or pick another name`);
  return { key, record };
}

export const listApiKeys = repo.listApiKeys;
export const touchApiKey = repo.touchApiKey;

/** Revokes a live key named by id, name or prefix. */
export async function revokeApiKey(db: Executor, which: string, now = new Date()): Promise<ApiKeyRecord> {
  const rows = await repo.revokeLiveKeys(db, which, /^[0-9a-f-]{36}$/i.test(which) ? which : null, now);
  if (rows.length > 1) throw badUserInput('key', `"${which}" names ${rows.length} keys; use the id`);
  if (rows.length === 0) throw new ApiError(ErrorCode.NOT_FOUND, `no live API key with id, name or prefix "${which}"`, { argument: 'key' });
  return rows[0]!;
}

/** The live key behind a token: not revoked, not expired. */
export async function findLiveKey(db: Executor, token: string, now = new Date()): Promise<ApiKeyRecord | null> {
  if (!looksLikeApiKey(token)) return null;
  const row = await repo.keyByHash(db, hashKey(token));
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now)) return null;
  return row;
}
