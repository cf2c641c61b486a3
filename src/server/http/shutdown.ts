import type { Server } from 'node:http';

export interface ShutdownParts {
  server: Server;
  metricsServer: Server | null;
  /** Closes the WebSocket endpoint (its sockets with 1001). */
  closeWebSocket(): Promise<void>;
  /** Stops the executor (Apollo) once nothing is in flight. */
  stopExecutor(): Promise<void>;
}

/** How long in-flight requests may take to finish before their connections are cut. */
const DRAIN_MS = 5000;

/**
 * Stop accepting, close the WebSockets, let in-flight requests finish (5 s at most), then cut what
 * is left and stop Apollo.
 */
export async function shutdown(parts: ShutdownParts): Promise<void> {
  const { server, metricsServer } = parts;
  if (metricsServer?.listening) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  await parts.closeWebSocket();
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
  await closed;
  clearTimeout(timer);
  await parts.stopExecutor();
}
