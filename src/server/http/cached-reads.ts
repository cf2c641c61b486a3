import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServerPlugin, type HTTPGraphQLRequest } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import type { Auth, GraphQLContext } from '../../graphql/context';
import type { OperationCore } from '../../graphql/operation';
import { ResponseCache, cacheKey, cachePolicy, coercedVariables, etagOf, type CachedResponse } from '../../graphql/response-cache';
import { rateLimitHeaders } from '../../modules/ratelimit/rate-limit';
import type { Logger } from '../../observability/logger';
import type { EventHub } from '../../realtime/event-hub';
import { operationNameOf, type Metrics } from '../metrics';
import { getCacheHeaders } from '../persisted-queries';
import { sendJson } from './body';
import { matches, preflighted } from './request-headers';
import { httpHead } from './status';

export interface CachedReadsOptions {
  core: OperationCore;
  hub: EventHub;
  metrics: Metrics;
  log: Logger;
  /** Bytes of responses kept (RESPONSE_CACHE_MB); 0: no cache (ETags and 304s still). */
  maxBytes: number;
  /** GET answers' max-age (as getCachePlugin gives them). */
  getCacheMaxAge: number;
}

/** What the request's text maps to once Apollo has answered it: the entry's key and what a hit is charged. */
interface Alias {
  key: string;
  cost: number;
  operation: string | null;
  /** The content type Apollo answered this request's Accept with. */
  contentType?: string;
}

/** A cacheable read that Apollo answered without errors: stored by the HTTP handler, which has its bytes. */
interface Storable extends Alias {
  since: number;
  tags: ReadonlySet<string>;
}

/** Per HTTP request, between the handler and the Apollo plugin. */
interface Pending {
  requestKey: string | null;
  storable?: Storable;
  /** The entry Apollo's request resolved to (another text of a held operation): sent instead of executing. */
  hit?: { entry: CachedResponse; alias: Alias };
}

/** How many request texts are remembered (each a 43-character hash and a key). */
const MAX_ALIASES = 20_000;

/**
 * The response cache on the HTTP path (issue 14).
 *
 * A miss runs through Apollo as any request: the plugin decides from the parsed document whether
 * the read may be cached and under which key and tags (cache-policy.ts), and the handler stores
 * the very bytes Apollo sent, with a strong ETag. It also remembers the request's text (method,
 * document, operation name, variables, extensions, scopes) as an alias of that key.
 *
 * A hit is answered before Apollo: the same text from a caller with the same scopes maps to the
 * same key, so the stored bytes are written as they are, after the one check a hit still needs,
 * the rate-limit charge of the operation's cost (the scope, cost limit and text were admitted when
 * the same text was executed). No parse, no validation, no execution, no serialisation. A text not
 * seen before whose operation is held (other spacing, GET instead of POST, variables reordered)
 * goes through Apollo's parse, validation and admission, then gets the held bytes without
 * executing, and is remembered.
 *
 * The hub's reads of the event log invalidate entries before the events reach this process's
 * subscribers; a mutation through this process clears the cache at once, even one that failed in
 * part (read-your-writes here, without waiting for the listener). Mutations, subscriptions, responses
 * with errors and admin data are never stored; every cacheable read's answer carries its ETag, and
 * a request whose If-None-Match names it gets 304.
 */
export class CachedReads {
  readonly cache: ResponseCache | null;
  private readonly aliases = new Map<string, Alias>();
  private readonly pending = new WeakMap<HTTPGraphQLRequest, Pending>();
  private readonly unsubscribe: () => void;

  constructor(private readonly options: CachedReadsOptions) {
    this.cache = options.maxBytes > 0 ? new ResponseCache(options.maxBytes) : null;
    const cache = this.cache;
    this.unsubscribe = cache ? options.hub.onEventsRead((batch) => cache.invalidate(batch)) : () => undefined;
    if (cache) options.metrics.watchResponseCache(() => cache.stats());
  }

  close(): void {
    this.unsubscribe();
  }

  /**
   * The request's text as a key, or null when it can never be a hit: not GET or POST, no JSON
   * object body, or a request that Apollo's CSRF prevention would refuse. The Accept header is part
   * of the text: it decides the answer's content type (or a 406).
   */
  requestKey(request: HTTPGraphQLRequest, auth: Auth): string | null {
    if (!this.cache || !preflighted(request.headers)) return null;
    let text: string;
    if (request.method === 'POST') {
      const body = request.body as Record<string, unknown> | null | undefined;
      if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
      text = JSON.stringify([body.query ?? null, body.operationName ?? null, body.variables ?? null, body.extensions ?? null]);
    } else if (request.method === 'GET') {
      const params = new URLSearchParams(request.search);
      // Apollo refuses a parameter given twice: such a request is never a hit.
      if (['query', 'operationName', 'variables', 'extensions'].some((p) => params.getAll(p).length > 1)) return null;
      text = JSON.stringify(['query', 'operationName', 'variables', 'extensions'].map((p) => params.get(p)));
    } else {
      return null;
    }
    const scopes = [...auth.scopes].sort().join(',');
    const accept = request.headers.get('accept') ?? '';
    return createHash('sha256').update(`${request.method}\u0000${scopes}\u0000${accept}\u0000${text}`).digest('base64url');
  }

  /**
   * Answers the request from the cache when its text is a known alias whose entry is held and the
   * caller can pay the charge (a refused charge is answered as the executed request would be).
   * False: nothing was sent; run the request.
   */
  async serveHit(request: HTTPGraphQLRequest, requestKey: string, ctx: { res: ServerResponse; auth: Auth; ip: string | null; requestId: string }): Promise<boolean> {
    const started = process.hrtime.bigint();
    const alias = this.aliases.get(requestKey);
    const entry = alias && this.cache?.get(alias.key);
    if (!alias || !entry) return false;
    const { core, metrics } = this.options;
    let admission;
    try {
      admission = await core.chargeAgain(ctx.auth, ctx.ip, alias.cost);
    } catch {
      return false; // the database failed the charge: the executed request says it the usual way
    }
    const head: Record<string, string> = { 'x-request-id': ctx.requestId, ...(admission.rate ? rateLimitHeaders(admission.rate) : {}) };
    if (!admission.admitted) {
      metrics.limited('http');
      const { status, headers } = httpHead(admission.error.extensions.code, head);
      const formatted = core.format(admission.error.toJSON() as GraphQLFormattedError, admission.error);
      sendJson(ctx.res, status, { errors: [formatted] }, { ...head, ...headers });
      metrics.operation('http', alias.operation, Number(process.hrtime.bigint() - started) / 1e9, [formatted]);
      return true;
    }
    if (request.method === 'GET') Object.assign(head, getCacheHeaders(this.options.getCacheMaxAge, ctx.auth.principal === 'anonymous' && !request.headers.get('authorization')));
    head['etag'] = entry.etag;
    head['x-response-cache'] = 'hit';
    if (matches(request.headers.get('if-none-match'), entry.etag)) {
      ctx.res.writeHead(304, head).end();
    } else {
      ctx.res.writeHead(200, { 'content-type': alias.contentType ?? 'application/json; charset=utf-8', 'content-length': String(entry.body.length), ...head }).end(entry.body);
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    metrics.operation('http', alias.operation, ms / 1000, undefined);
    this.options.log.info({ requestId: ctx.requestId, operation: alias.operation, principal: ctx.auth.principal, ms, outcome: 'ok', cache: 'hit' }, 'graphql operation');
    return true;
  }

  /** Notes a request about to run through Apollo, so that its answer can be stored under its text. */
  running(request: HTTPGraphQLRequest, requestKey: string | null): void {
    this.pending.set(request, { requestKey });
  }

  /**
   * After Apollo answered: a cacheable read's bytes stored (and its text remembered), and its
   * ETag and cache state set on the response; 304 when the client's If-None-Match names the ETag.
   * Returns the body to send: Apollo's, or the held bytes when the operation resolved to an entry.
   */
  finish(request: HTTPGraphQLRequest, res: ServerResponse, body: string): string | Buffer {
    const pending = this.pending.get(request);
    if (res.statusCode !== 200 || !pending) return body;
    const contentType = String(res.getHeader('content-type') ?? '') || undefined;
    if (pending.hit) {
      const { entry, alias } = pending.hit;
      if (pending.requestKey) this.remember(pending.requestKey, { ...alias, contentType });
      res.setHeader('x-response-cache', 'hit');
      res.setHeader('etag', entry.etag);
      if (matches(request.headers.get('if-none-match'), entry.etag)) res.statusCode = 304;
      return entry.body;
    }
    const storable = pending.storable;
    if (!storable) return body;
    let etag: string;
    if (this.cache) {
      this.cache.noteMiss();
      const entry = this.cache.set(storable.key, storable.since, body, storable.tags);
      etag = entry?.etag ?? etagOf(body);
      if (entry && pending.requestKey) this.remember(pending.requestKey, { ...storable, contentType });
      res.setHeader('x-response-cache', 'miss');
    } else {
      etag = etagOf(body);
    }
    res.setHeader('etag', etag);
    if (matches(request.headers.get('if-none-match'), etag)) res.statusCode = 304;
    return body;
  }

  /** The Apollo side: which executed reads may be stored, and mutations clearing the cache. */
  plugin(): ApolloServerPlugin<GraphQLContext> {
    const cache = this.cache;
    const { core } = this.options;
    return {
      serverWillStart: async () => ({ serverWillStop: async () => this.close() }),
      requestDidStart: async ({ request }) => {
        let storable: Storable | null = null;
        return {
          // Called once the operation is admitted and before it runs: `since` must predate every read.
          responseForOperation: async (rc) => {
            const { schema, document, operation, operationName, contextValue } = rc;
            if (!operation || operation.operation !== 'query') return null;
            const variables = coercedVariables(schema, operation, request.variables);
            if (!variables) return null;
            const policy = cachePolicy(schema, document, operation, variables);
            if (!policy) return null;
            storable = {
              key: cacheKey(document, operationName ?? null, variables, contextValue.auth.scopes),
              since: cache?.begin() ?? 0,
              tags: policy.tags,
              cost: core.cost({ document, operationName, variables: request.variables }),
              operation: operationNameOf(rc),
            };
            const entry = cache?.get(storable.key);
            const pending = request.http && this.pending.get(request.http);
            if (!entry || !pending) return null;
            // Held: the handler sends the entry's bytes in place of this empty result.
            pending.hit = { entry, alias: storable };
            storable = null;
            return { body: { kind: 'single', singleResult: {} }, http: { status: undefined, headers: new HeaderMap() } };
          },
          willSendResponse: async ({ response, operation }) => {
            if (response.body.kind !== 'single') return;
            const failed = Boolean(response.body.singleResult.errors?.length);
            if (operation?.operation === 'mutation') {
              // Even a failed mutation may have committed some of its fields (each runs on its own).
              cache?.clear();
              return;
            }
            const pending = request.http && this.pending.get(request.http);
            if (pending && storable && !failed) pending.storable = storable;
          },
        };
      },
    };
  }

  private remember(requestKey: string, alias: Alias): void {
    this.aliases.delete(requestKey);
    if (this.aliases.size >= MAX_ALIASES) this.aliases.delete(this.aliases.keys().next().value!);
    this.aliases.set(requestKey, { key: alias.key, cost: alias.cost, operation: alias.operation, contentType: alias.contentType });
  }
}
