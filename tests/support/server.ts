import type { Database } from '../../src/db/client';
import { createApp, type App } from '../../src/server/app';
import { createLogger } from '../../src/server/logger';
import { buildSchema } from '../../src/server/schema';

export interface TestServer {
  url: string;
  app: App;
  close(): Promise<void>;
}

/** A real HTTP server on a free loopback port, over the given database. */
export async function startTestServer(database: Database, options: { maxPageSize?: number } = {}): Promise<TestServer> {
  const app = await createApp({
    database,
    schema: buildSchema('test'),
    log: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    maxPageSize: options.maxPageSize ?? 100,
    introspection: true,
  });
  const url = await app.listen(0, '127.0.0.1');
  return { url, app, close: () => app.close() };
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  headers: Headers;
}

/** POSTs an operation to /graphql like any client would. */
export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T | null; errors?: GraphQLResponse['errors'] };
  return { status: res.status, ...body, headers: res.headers };
}
