import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import type { GraphQLContext, RealtimeContext } from '../../graphql/context';
import { responseTooLargeError } from '../../graphql/limits';
import type { OperationCore } from '../../graphql/operation';
import type { Logger } from '../../observability/logger';
import { readGraphQLBody, sendJson } from './body';
import type { CachedReads } from './cached-reads';
import { httpHead } from './status';

export interface GraphQLHandlerOptions {
  core: OperationCore;
  apollo: ApolloServer<GraphQLContext>;
  /** The response cache: hits answered here, before Apollo; misses stored once Apollo answered. */
  cachedReads: CachedReads;
  log: Logger;
  maxBodyBytes: number;
  /** What an HTTP operation's context carries for realtime: no socket, so its callbacks do nothing. */
  realtime: () => RealtimeContext;
}

/**
 * GraphQL over HTTP at /graphql: the body, the credential checked by the core (a refusal answered
 * with its code's status, before Apollo runs), a response-cache hit answered as stored, else
 * Apollo with the core's context, the response-size backstop, and the answer stored when cacheable.
 */
export function graphqlHandler(options: GraphQLHandlerOptions) {
  const { core, apollo, log } = options;
  const maxResponseBytes = core.limits.maxResponseBytes;
  return async (req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void> => {
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    const body = await readGraphQLBody(req, headers.get('content-type') ?? '', options.maxBodyBytes);
    const authn = await core.authenticate(headers.get('authorization'), requestId);
    if ('error' in authn) {
      const { status, headers: head } = httpHead(authn.error.extensions.code);
      sendJson(res, status, { errors: [core.format(authn.error.toJSON() as GraphQLFormattedError, authn.error)] }, { 'x-request-id': requestId, ...head });
      return;
    }
    const ip = req.socket.remoteAddress ?? null;
    const request: HTTPGraphQLRequest = { method: req.method ?? 'GET', headers, search: url.search, body };
    const { cachedReads } = options;
    const requestKey = cachedReads.requestKey(request, authn.auth);
    if (requestKey && (await cachedReads.serveHit(request, requestKey, { res, auth: authn.auth, ip, requestId }))) return;
    cachedReads.running(request, requestKey);
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: request,
      context: async () => core.context({ requestId, auth: authn.auth, ip }, options.realtime()),
    });
    for (const [k, v] of response.headers) res.setHeader(k, v);
    res.setHeader('x-request-id', requestId);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      const size = Buffer.byteLength(response.body.string);
      if (size > maxResponseBytes) {
        // Long texts the cost does not count: the client gets why, not megabytes.
        log.warn({ requestId, size, maxResponseBytes }, 'response over the size limit refused');
        const { message, extensions } = responseTooLargeError(size, maxResponseBytes);
        res.statusCode = 400;
        res.removeHeader('content-length');
        res.end(JSON.stringify({ errors: [{ message, extensions }] }));
        return;
      }
      res.end(cachedReads.finish(request, res, response.body.string));
    } else {
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    }
  };
}
