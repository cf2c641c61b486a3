import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServeProcess } from '../support/cli';

describe('digestql serve with METRICS_PORT and METRICS_TOKEN', () => {
  const dir = mkdtempSync(join(tmpdir(), 'digestql-metrics-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves /metrics on its own port, behind the token, and not on the API port', async () => {
    const token = 'scrape-token-0123456789';
    const proc = await startServeProcess({ DATA_DIR: join(dir, 'data'), DATABASE_URL: '', SEED_EXAMPLES: 'false', METRICS_PORT: '0', METRICS_TOKEN: token });
    try {
      const line = proc.output().split('\n').find((l) => l.includes('metrics are served on their own port'));
      const metricsUrl = (JSON.parse(line!) as { url: string }).url;
      expect(new URL(metricsUrl).port).not.toBe(new URL(proc.url).port);
      expect((await fetch(`${proc.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
      expect((await fetch(metricsUrl)).status).toBe(401);
      const ok = await fetch(metricsUrl, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('digestql_ws_connections');
    } finally {
      expect((await proc.stop()).code).toBe(0);
    }
  }, 90_000);
});
