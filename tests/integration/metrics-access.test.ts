import { serveTestDatabase } from '../support/server';

const TOKEN = 'metrics-token-0123456789';

describe('/metrics behind a token (METRICS_TOKEN)', () => {
  const ctx = serveTestDatabase({ metricsToken: TOKEN });

  it('answers 401 without the token or with another, and the Prometheus text with it', async () => {
    const none = await fetch(`${ctx.server.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await none.text()).not.toContain('digestql_');
    expect((await fetch(`${ctx.server.url}/metrics`, { headers: { authorization: 'Bearer not-the-token-at-all' } })).status).toBe(401);
    const ok = await fetch(`${ctx.server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('digestql_ws_connections');
  });
});

describe('/metrics on its own port (METRICS_PORT)', () => {
  const ctx = serveTestDatabase({ metricsOwnPort: true });

  it('serves /metrics on the metrics port only, and nothing else there', async () => {
    const metricsUrl = await ctx.server.app.listenMetrics(0, '127.0.0.1');
    expect(metricsUrl).not.toBe(ctx.server.url);
    expect((await fetch(`${ctx.server.url}/metrics`)).status).toBe(404);
    const ok = await fetch(`${metricsUrl}/metrics`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('digestql_graphql_operations_total');
    expect((await fetch(`${metricsUrl}/graphql`, { method: 'POST' })).status).toBe(404);
    // The API port still serves the API.
    expect((await fetch(`${ctx.server.url}/healthz`)).status).toBe(200);
  });
});
