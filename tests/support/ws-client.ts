import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Received<T> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export interface TestSubscription<T> {
  results: Received<T>[];
  /** Resolves once `n` results have arrived (rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<Received<T>[]>;
  /** Resolves when the server completes the subscription or the socket closes. */
  done: Promise<{ error?: unknown }>;
  /** The close event of the socket, once it closes. */
  closed: Promise<{ code: number; reason: string }>;
  dispose(): Promise<void>;
}

/** A real graphql-ws client that connects at once, with no automatic retries. */
export function connectClient(
  httpUrl: string,
  connectionParams: Record<string, unknown> = {},
): { client: Client; connected: Promise<void>; closed: Promise<{ code: number; reason: string }> } {
  let onConnected!: () => void;
  let onClosed!: (e: { code: number; reason: string }) => void;
  const connected = new Promise<void>((r) => (onConnected = r));
  const closed = new Promise<{ code: number; reason: string }>((r) => (onClosed = r));
  const client = createClient({
    url: `${httpUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
    on: {
      connected: () => onConnected(),
      closed: (e) => onClosed({ code: (e as { code: number }).code, reason: String((e as { reason: string }).reason) }),
    },
  });
  return { client, connected, closed };
}

/** A real graphql-ws client over a real socket, one subscription, no automatic retries. */
export function subscribe<T = Record<string, unknown>>(
  httpUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  connectionParams: Record<string, unknown> = {},
): TestSubscription<T> {
  const { client, closed } = connectClient(httpUrl, connectionParams);
  const results: Received<T>[] = [];
  const waiters: (() => void)[] = [];
  const done = new Promise<{ error?: unknown }>((resolve) => {
    client.subscribe<T>(
      { query, variables },
      {
        next: (r) => {
          results.push(r as Received<T>);
          waiters.forEach((w) => w());
        },
        error: (error) => resolve({ error }),
        complete: () => resolve({}),
      },
    );
  });
  return {
    results,
    done,
    closed,
    waitFor: (n, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          if (results.length >= n) {
            clearTimeout(timer);
            resolve(results.slice(0, n));
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => reject(new Error(`got ${results.length} of ${n} results in ${timeoutMs} ms: ${JSON.stringify(results).slice(0, 500)}`)), timeoutMs);
        if (!check()) waiters.push(check);
      }),
    dispose: () => client.dispose() as Promise<void>,
  };
}
