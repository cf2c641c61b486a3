import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Executor } from '../db/client';
import { FeedParamError, itemFeedParams, plainFeedParams } from '../modules/feeds/feed-params';
import { renderAtom, renderJson, renderOpml, renderRss, type FeedMeta, type OpmlOutline } from '../modules/feeds/feed-render';
import { feedSections, itemFeed, reportFeed } from '../modules/feeds/feeds.service';
import { rateLimitHeaders } from '../modules/ratelimit/rate-limit';
import { DATABASE_UNAVAILABLE_MESSAGE, ErrorCode } from '../graphql/errors';
import { isDatabaseUnavailable } from '../graphql/format-error';
import type { OperationCore } from '../graphql/operation';
import { httpHead } from './http/status';

/**
 * The feeds adapter: GET /feeds/items.rss|.atom|.json (filtered like `items`), /feeds/reports.atom
 * and /feeds/opml. The operation core authenticates, checks the read scope and charges the same
 * rate-limit bucket as GraphQL (`authenticate`, `admitRead`); refusals answer with their code's
 * status and headers (http/status.ts) in plain text. An API key may come as
 * `Authorization: Bearer` or as `?key=` (feed readers that cannot send headers). Answers carry
 * ETag and Last-Modified and answer conditional requests with 304.
 */
export interface FeedOptions {
  db: Executor;
  core: OperationCore;
  linkTemplate: string | null;
  /** PUBLIC_URL: the origin feeds link to. Without it links follow the Host header, so feeds are not shared-cacheable. */
  publicUrl: string | null;
  onRateLimited?: () => void;
}

const TYPES = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
  opml: 'text/x-opml; charset=utf-8',
} as const;

const IMPORTANCES = ['HIGH', 'MEDIUM', 'LOW'] as const;

class Refusal extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

/** A refusal coded like the core's: its code's status and headers from the one table, in the feed's words. */
function refusal(code: unknown, message: string, extra: Record<string, string> = {}): Refusal {
  const { status, headers } = httpHead(code, extra);
  return new Refusal(status, message, headers);
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/**
 * The site's address (feeds are documents full of absolute links): PUBLIC_URL, else as the client
 * reached it. A Host header is the client's to choose, so a feed built from it is never shared-cacheable.
 */
function baseUrl(req: IncomingMessage, publicUrl: string | null): string {
  if (publicUrl) return publicUrl;
  const proto = req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
  return `${proto}://${req.headers.host ?? 'localhost'}`;
}

/** This feed's own URL, without the API key (it must not end up inside the document). */
function selfUrl(req: IncomingMessage, url: URL, publicUrl: string | null): string {
  const params = new URLSearchParams(url.searchParams);
  params.delete('key');
  const search = params.toString();
  return `${baseUrl(req, publicUrl)}${url.pathname}${search ? `?${search}` : ''}`;
}

async function authorise(req: IncomingMessage, url: URL, config: FeedOptions, cost: number, requestId: string): Promise<{ headers: Record<string, string>; credential: boolean }> {
  const key = url.searchParams.get('key');
  const header = req.headers.authorization ?? (key ? `Bearer ${key}` : undefined);
  const authn = await config.core.authenticate(header, requestId);
  if ('error' in authn) {
    const code = authn.error.extensions.code;
    const said = code === ErrorCode.UNAUTHENTICATED ? `${key && !req.headers.authorization ? 'key' : 'Authorization'}: not a live API key (unknown, revoked or expired)` : authn.error.message;
    throw refusal(code, said);
  }
  const { auth } = authn;
  // A URL is stored in reader lists, histories, proxy logs and OPML exports: only a key that can do
  // nothing but read may travel in one.
  const extra = key && !req.headers.authorization && auth.scopes.filter((s) => s !== 'read');
  if (extra && extra.length) {
    throw refusal(ErrorCode.FORBIDDEN, `key: a key with the ${extra.map((s) => `"${s}"`).join(' and ')} scope may not go in a URL (URLs end up in logs and histories); send it as Authorization: Bearer, or create a read-only key for feed readers`);
  }
  const admission = await config.core.admitRead(auth, req.socket.remoteAddress ?? null, cost, 'feed');
  const headers = admission.rate ? rateLimitHeaders(admission.rate) : {};
  if (!admission.admitted) {
    const code = admission.error.extensions.code;
    if (code === ErrorCode.RATE_LIMITED) config.onRateLimited?.();
    const hint = code === ErrorCode.UNAUTHENTICATED ? ' (or ?key=<key> for readers that cannot send headers)' : '';
    throw refusal(code, `${admission.error.message}${hint}`, headers);
  }
  return { headers, credential: header !== undefined };
}

/** 304 when the client holds this version: If-None-Match decides when sent, else If-Modified-Since. */
function notModified(req: IncomingMessage, etag: string, lastModified: Date): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) {
    return inm.split(',').some((t) => {
      const tag = t.trim();
      return tag === '*' || tag.replace(/^W\//, '') === etag;
    });
  }
  const ims = req.headers['if-modified-since'];
  if (!ims) return false;
  const since = Date.parse(ims);
  return !Number.isNaN(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}

interface Rendered {
  type: string;
  body: string;
  updated: Date;
}

async function render(req: IncomingMessage, url: URL, config: FeedOptions): Promise<Rendered | null> {
  const base = baseUrl(req, config.publicUrl);
  const meta = (title: string, description: string): FeedMeta => ({ title, description, selfUrl: selfUrl(req, url, config.publicUrl), homeUrl: `${base}/` });
  const itemsFormat = /^\/feeds\/items\.(rss|atom|json)$/.exec(url.pathname)?.[1] as 'rss' | 'atom' | 'json' | undefined;
  if (itemsFormat) {
    const { filter, limit } = itemFeedParams(url.searchParams);
    const data = await itemFeed(config.db, filter, limit, config.linkTemplate);
    const described = [...url.searchParams].filter(([k]) => k !== 'limit' && k !== 'key').map(([k, v]) => `${k}=${v}`).join(', ');
    const m = meta(`digestql items${described ? ` (${described})` : ''}`, 'AI-news digest items, newest first');
    const body = itemsFormat === 'rss' ? renderRss(m, data) : itemsFormat === 'atom' ? renderAtom(m, data) : renderJson(m, data);
    return { type: TYPES[itemsFormat], body, updated: data.updated };
  }
  if (url.pathname === '/feeds/reports.atom') {
    const { limit } = plainFeedParams(url.searchParams);
    const data = await reportFeed(config.db, limit, config.linkTemplate);
    return { type: TYPES.atom, body: renderAtom(meta('digestql reports', 'Every published AI-news digest, newest first'), data), updated: data.updated };
  }
  if (url.pathname === '/feeds/opml') {
    plainFeedParams(url.searchParams);
    const { sections, updated } = await feedSections(config.db);
    const key = url.searchParams.get('key');
    const feed = (query: string): string => {
      const params = new URLSearchParams(query);
      if (key) params.set('key', key);
      const search = params.toString();
      return `${base}/feeds/items.atom${search ? `?${search}` : ''}`;
    };
    const outline = (title: string, query: string): OpmlOutline => ({ title, xmlUrl: feed(query), htmlUrl: `${base}/` });
    const body = renderOpml(
      'digestql feeds',
      [
        { title: 'By importance', outlines: IMPORTANCES.map((i) => outline(`${i === 'LOW' ? 'All rated' : i === 'MEDIUM' ? 'MEDIUM and HIGH' : 'HIGH'} items`, `minImportance=${i}`)) },
        { title: 'By section', outlines: sections.map((s) => outline(s.title, `sections=${encodeURIComponent(s.key)}`)) },
        { title: 'Everything', outlines: [outline('All items', ''), { ...outline('Reports', ''), xmlUrl: `${base}/feeds/reports.atom${key ? `?key=${encodeURIComponent(key)}` : ''}` }] },
      ],
      updated,
    );
    return { type: TYPES.opml, body, updated };
  }
  return null;
}

function costOf(url: URL): number {
  const limit = Number(url.searchParams.get('limit'));
  return Number.isInteger(limit) && limit > 0 ? limit : 50;
}

/** Handles a request under /feeds/. */
export async function handleFeed(req: IncomingMessage, res: ServerResponse, url: URL, config: FeedOptions, requestId: string): Promise<void> {
  const headers: Record<string, string> = { 'x-request-id': requestId };
  try {
    if (!/^\/feeds\/(items\.(rss|atom|json)|reports\.atom|opml)$/.test(url.pathname)) {
      throw new Refusal(404, `no feed at ${url.pathname}: try /feeds/items.rss, /feeds/items.atom, /feeds/items.json, /feeds/reports.atom or /feeds/opml`);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new Refusal(405, `${req.method} is not allowed: feeds answer GET and HEAD`, { allow: 'GET, HEAD' });
    // Parameters are checked before anything is charged: a typo costs nothing.
    if (url.pathname.startsWith('/feeds/items.')) itemFeedParams(url.searchParams);
    else plainFeedParams(url.searchParams);
    const { headers: rate, credential } = await authorise(req, url, config, costOf(url), requestId);
    Object.assign(headers, rate);
    const feed = (await render(req, url, config))!;
    const etag = `"${createHash('sha256').update(feed.body).digest('base64url').slice(0, 32)}"`;
    Object.assign(headers, {
      etag,
      'last-modified': feed.updated.toUTCString(),
      // Anyone's copy of a public feed is the same: a CDN may keep it and revalidate (cheaply,
      // with the ETag) after 5 minutes; a new publish changes both validators.
      'cache-control': credential || !config.publicUrl ? 'private, no-cache' : 'public, max-age=300, stale-while-revalidate=60',
      vary: 'origin, authorization',
    });
    if (notModified(req, etag, feed.updated)) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': feed.type, 'content-length': Buffer.byteLength(feed.body) });
    res.end(req.method === 'HEAD' ? undefined : feed.body);
  } catch (err) {
    const refused = err instanceof FeedParamError ? refusal(ErrorCode.BAD_REQUEST, err.message) : isDatabaseUnavailable(err) ? refusal(ErrorCode.DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE_MESSAGE) : err;
    if (refused instanceof Refusal) return sendText(res, refused.status, refused.message, { ...headers, ...refused.headers });
    throw err;
  }
}
