import { exampleReport, store } from '../support/fixtures';
import { gql, serveTestDatabase } from '../support/server';
import { until } from '../support/wait';
import { subscribe } from '../support/ws-client';

const scrape = async (url: string) => {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
};
/** The value of one sample line, by metric name and exact label set. */
const sample = (text: string, series: string): number | null => {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : null;
};

describe('/metrics', () => {
  const ctx = serveTestDatabase();

  it('counts operations, errors by code, sockets, subscriptions and delivered events', async () => {
    await gql(ctx.server.url, 'query Latest { latestReport { slug } }');
    await gql(ctx.server.url, 'query Latest { latestReport { slug } }');
    await gql(ctx.server.url, 'query Bad { report(slug: 1) { slug } }');
    const sub = subscribe<{ itemPublished: { cursor: string } }>(ctx.server.url, 'subscription Feed { itemPublished { cursor } }');
    await until(() => ctx.server.app.subscriptionGroups().members > 0, 'the subscription to join its group');
    await store(ctx.db, exampleReport('2026-11-20-ai-intel'));
    await sub.waitFor(6);

    const text = await scrape(ctx.server.url);
    expect(sample(text, 'digestql_graphql_operations_total{transport="http",operation="Latest",outcome="ok"}')).toBe(2);
    expect(sample(text, 'digestql_graphql_operations_total{transport="http",operation="Bad",outcome="error"}')).toBe(1);
    expect(sample(text, 'digestql_graphql_errors_total{transport="http",code="GRAPHQL_VALIDATION_FAILED"}')).toBe(1);
    expect(sample(text, 'digestql_graphql_operations_total{transport="ws",operation="Feed",outcome="ok"}')).toBe(1);
    expect(sample(text, 'digestql_graphql_operation_duration_seconds_count{transport="http",operation="Latest"}')).toBe(2);
    expect(sample(text, 'digestql_ws_connections')).toBe(1);
    expect(sample(text, 'digestql_subscriptions{kind="active"}')).toBe(1);
    expect(sample(text, 'digestql_subscription_groups')).toBe(1);
    expect(sample(text, 'digestql_subscription_events_delivered_total')).toBe(6);
    expect(sample(text, 'digestql_event_listener_connected')).toBe(1);
    expect(sample(text, 'digestql_event_listener_lag')).toBe(0);
    expect(sample(text, 'digestql_process_resident_memory_bytes')).toBeGreaterThan(0);

    await sub.dispose();
    await until(() => ctx.server.app.wsConnections() === 0, 'the socket to close');
    expect(sample(await scrape(ctx.server.url), 'digestql_ws_connections')).toBe(0);
  });
});
