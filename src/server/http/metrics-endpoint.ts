import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../../observability/logger';
import type { Metrics } from '../metrics';
import { sendJson } from './body';

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/** /metrics, behind a bearer token when one is set. */
export async function serveMetrics(req: IncomingMessage, res: ServerResponse, metrics: Metrics, token: string | undefined): Promise<void> {
  const [scheme, given] = (req.headers.authorization ?? '').split(' ');
  if (token !== undefined && !(scheme?.toLowerCase() === 'bearer' && given && timingSafeEqual(sha256(given), sha256(token)))) {
    sendJson(res, 401, { error: '/metrics needs Authorization: Bearer <METRICS_TOKEN>' }, { 'www-authenticate': 'Bearer' });
    return;
  }
  const text = await metrics.registry.metrics();
  res.writeHead(200, { 'content-type': metrics.registry.contentType });
  res.end(text);
}

/** A server for /metrics alone (METRICS_PORT), kept off the API's port. */
export function createMetricsServer(metrics: Metrics, token: string | undefined, log: Logger): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/metrics') return sendJson(res, 404, { error: `no route ${path}: this port serves /metrics only` });
    serveMetrics(req, res, metrics, token).catch((err: unknown) => {
      log.error({ err }, 'metrics scrape failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'metrics unavailable' });
    });
  });
}
