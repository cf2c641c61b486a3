import { cliDatabase, runCli, startServeProcess, CLI_TEST_TIMEOUT_MS } from '../support/cli';

jest.setTimeout(CLI_TEST_TIMEOUT_MS);

describe('digestql keys (the real CLI)', () => {
  const cli = cliDatabase('keys');

  /** Reads through a real server; the embedded database allows one process at a time, so it is stopped after. */
  async function readWith(key: string): Promise<number> {
    const server = await startServeProcess(cli.env);
    try {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: '{ latestReport { slug } }' }),
      });
      return res.status;
    } finally {
      await server.stop();
    }
  }

  it('creates a key (printed alone on the last line), lists it, and revokes it: then it is refused', async () => {
    const created = await runCli(['keys', 'create', '--name', 'slack-bot', '--scopes', 'read,publish'], cli.env);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const lines = created.stdout.trim().split('\n');
    const key = lines.at(-1)!;
    expect(key).toMatch(/^dq_live_[A-Za-z0-9_-]{43}$/);
    expect(lines[0]).toMatch(/^created API key "slack-bot" \(id [0-9a-f-]{36}, scopes read,publish\)$/);

    const listed = await runCli(['keys', 'list'], cli.env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${key.slice(0, 14)}…  live +read,publish +slack-bot`));
    expect(listed.stdout).not.toContain(key);

    expect(await readWith(key)).toBe(200);
    const revoked = await runCli(['keys', 'revoke', 'slack-bot'], cli.env);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/^revoked API key "slack-bot"/);
    expect(await readWith(key)).toBe(401);
    expect((await runCli(['keys', 'list'], cli.env)).stdout).toMatch(/revoked +read,publish +slack-bot/);
  }, CLI_TEST_TIMEOUT_MS);

  it('explains bad input and changes nothing', async () => {
    const bad = await runCli(['keys', 'create', '--name', 'x', '--scopes', 'read,write'], cli.env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('scopes: unknown scope "write"; use read, publish, admin');
    const missing = await runCli(['keys', 'create', '--scopes', 'read'], cli.env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('create needs --name and --scopes');
    const unknown = await runCli(['keys', 'revoke', 'nobody'], cli.env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no live API key with id, name or prefix "nobody"');
    expect((await runCli(['keys', 'list'], cli.env)).stdout).not.toMatch(/ x \(created/);
  }, CLI_TEST_TIMEOUT_MS);
});
