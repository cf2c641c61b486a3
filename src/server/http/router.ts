import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Database } from '../../db/client';
import { runWithRequestId } from '../../graphql/request-scope';
import type { Logger } from '../../observability/logger';
import type { EventHub } from '../../realtime/event-hub';
import { handleFeed, type FeedOptions } from '../feeds';
import type { Metrics } from '../metrics';
import { sendPage, wantsPage } from '../pages';
import { sendApiDocs, sendAsset, sendExplorer, sendIndex, sendLive } from '../web-pages';
import { HttpError, sendJson } from './body';
import { applyCors } from './cors';
import { sendLiveness, sendReadiness } from './health';
import { serveMetrics } from './metrics-endpoint';

export interface RouterOptions {
  database: Database;
  hub: EventHub;
  log: Logger;
  metrics: Metrics;
  graphql: (req: IncomingMessage, res: ServerResponse, url: URL, requestId: string) => Promise<void>;
  feeds: FeedOptions;
  corsOrigins: readonly string[];
  explorer: boolean;
  metricsToken: string | undefined;
  /** /metrics is served on its own port, not here. */
  metricsOwnPort: boolean;
}

const reading = (req: IncomingMessage): boolean => req.method === 'GET' || req.method === 'HEAD';

/**
 * The API port's routes: pages for browsers, /graphql, /feeds/, health, /metrics. Every request
 * gets a request id (the client's X-Request-Id, or a new one) and one log line; a failure is
 * answered with its status (500 masked and logged).
 */
export function createRouter(options: RouterOptions) {
  const { log } = options;
  const route = async (req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void> => {
    const browsing = (url.pathname === '/graphql' || url.pathname === '/') && wantsPage(req, url);
    if (browsing && options.explorer) {
      (url.pathname === '/' ? sendIndex : sendExplorer)(req, res);
    } else if (browsing) {
      sendPage(req, res);
    } else if (url.pathname === '/live' && reading(req)) {
      sendLive(req, res);
    } else if (url.pathname === '/docs/api' && reading(req)) {
      sendApiDocs(req, res);
    } else if (url.pathname.startsWith('/assets/') && reading(req) && (await sendAsset(req, res, url.pathname.slice('/assets/'.length)))) {
      // sent
    } else if (url.pathname === '/graphql') {
      if (applyCors(req, res, options.corsOrigins)) return;
      await options.graphql(req, res, url, requestId);
    } else if (url.pathname.startsWith('/feeds/')) {
      // Browser apps may read feeds (JSON Feed above all) from the same origins as the API.
      if (applyCors(req, res, options.corsOrigins)) return;
      await handleFeed(req, res, url, options.feeds, requestId);
    } else if (url.pathname === '/healthz') {
      sendLiveness(res);
    } else if (url.pathname === '/metrics' && !options.metricsOwnPort) {
      await serveMetrics(req, res, options.metrics, options.metricsToken);
    } else if (url.pathname === '/readyz') {
      await sendReadiness(res, options.database, options.hub);
    } else {
      sendJson(res, 404, { error: `no route ${url.pathname}: the API is at /graphql` });
    }
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    const requestId = (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].slice(0, 100)) || randomUUID();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const started = process.hrtime.bigint();
    runWithRequestId(requestId, async () => {
      try {
        await route(req, res, url, requestId);
      } catch (err) {
        const status = err instanceof HttpError ? err.status : 500;
        if (status === 500) log.error({ err, requestId }, 'request failed');
        if (!res.headersSent) {
          // 413: the rest of the body is not wanted; closing spares reading (and waiting for) it.
          const close: Record<string, string> = status === 413 ? { connection: 'close' } : {};
          sendJson(res, status, { errors: [{ message: status === 500 ? 'Internal server error' : (err as Error).message }] }, { 'x-request-id': requestId, ...close });
        } else {
          res.end();
        }
      } finally {
        log.info({ requestId, method: req.method, path: url.pathname, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request');
      }
    });
  };
}
