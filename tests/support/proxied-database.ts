import { openDatabase, type Database } from '../../src/db/client';
import { createTestDatabase, type TestDatabase } from './db';
import { startTestServer, type TestServer, type TestServerOptions } from './server';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

/** A test database (real Postgres) the test can take away: a server reaches it only through a TCP proxy. */
export interface ProxiedServer {
  testDb: TestDatabase;
  proxy: TcpProxy;
  /** The server's database, opened through the proxy. */
  database: Database;
  server: TestServer;
}

export interface ProxiedPool {
  poolMax: number;
  connectTimeoutMs: number;
  poolTimeoutMs: number;
}

/**
 * A fresh database behind a TCP proxy and a server over it, for one describe block: set up in
 * `beforeAll`, disposed in `afterAll` (hooks run in the order they are declared: a test's own
 * cleanup that must come first, such as ending its subscribers, is declared before this call).
 */
export function serveThroughProxy(serverOptions: TestServerOptions, pool: ProxiedPool): ProxiedServer {
  const ctx = {} as ProxiedServer;
  beforeAll(async () => {
    ctx.testDb = await createTestDatabase();
    const target = new URL(ctx.testDb.url!);
    ctx.proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(ctx.testDb.url!);
    viaProxy.host = `127.0.0.1:${ctx.proxy.port}`;
    ctx.database = await openDatabase({ url: viaProxy.toString(), ...pool });
    ctx.server = await startTestServer(ctx.database, serverOptions);
  });
  afterAll(async () => {
    await ctx.proxy?.up().catch(() => undefined);
    await ctx.server?.close();
    await ctx.database?.close();
    await ctx.proxy?.close();
    await ctx.testDb?.dispose();
  });
  return ctx;
}
