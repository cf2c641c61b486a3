import { rawSql } from '../support/db';
import { serveTestDatabase } from '../support/server';

const readyz = async (url: string) => {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, string> };
};

describe('health and readiness', () => {
  const ctx = serveTestDatabase({ each: true });

  it('/healthz says the process is alive; /readyz checks the database, migrations and listener', async () => {
    expect((await fetch(`${ctx.server.url}/healthz`)).status).toBe(200);
    expect(await readyz(ctx.server.url)).toEqual({
      status: 200,
      body: { status: 'ready', database: 'ok', migrations: 'ok', listener: 'ok' },
    });
  });

  it('is not ready while a migration of this build is not applied', async () => {
    await rawSql(ctx.db, 'DELETE FROM drizzle.__drizzle_migrations WHERE id = (SELECT max(id) FROM drizzle.__drizzle_migrations)');
    const r = await readyz(ctx.server.url);
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ status: 'not ready', database: 'ok', migrations: '1 pending: run digestql migrate', listener: 'ok' });
  });

  it('is not ready when the event listener is gone', async () => {
    await ctx.server.hub.stop();
    const r = await readyz(ctx.server.url);
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ database: 'ok', migrations: 'ok', listener: 'not hearing notifications' });
  });
});
