import { verifyWebhook } from '../../src/delivery/signing';
import { cliDatabase, runCli, CLI_TEST_TIMEOUT_MS } from '../support/cli';

jest.setTimeout(CLI_TEST_TIMEOUT_MS);

describe('digestql webhooks (the real CLI)', () => {
  const cli = cliDatabase('webhooks');

  it('creates (secret alone on the last line), lists, rotates and deletes; refuses internal URLs', async () => {
    const created = await runCli(['webhooks', 'create', '--url', 'https://93.184.216.34/hook', '--format', 'slack', '--filter', '{"minImportance":"HIGH"}'], cli.env);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const secret = created.stdout.trim().split('\n').at(-1)!;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32}$/);
    const id = /created webhook ([0-9a-f-]{36}) \(SLACK → https:\/\/93\.184\.216\.34\/hook\)/.exec(created.stdout)![1]!;
    expect(verifyWebhook(secret, { 'webhook-id': 'x', 'webhook-timestamp': '1', 'webhook-signature': 'v1,AAAA' }, '')).toBe(false);
    const listed = await runCli(['webhooks', 'list'], cli.env);
    expect(listed.stdout).toContain(`${id}  SLACK    enabled   https://93.184.216.34/hook  filter {"minImportance":"HIGH"}`);
    const rotated = await runCli(['webhooks', 'rotate', id, '--overlap-hours', '2'], cli.env);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout.trim().split('\n').at(-1)).not.toBe(secret);
    expect((await runCli(['webhooks', 'delete', id], cli.env)).code).toBe(0);
    expect((await runCli(['webhooks', 'list'], cli.env)).stdout).toBe('no webhooks\n');

    const internal = await runCli(['webhooks', 'create', '--url', 'https://169.254.169.254/latest', '--format', 'JSON'], cli.env);
    expect(internal.code).toBe(1);
    expect(internal.stderr).toContain('input.url: host "169.254.169.254" resolves to 169.254.169.254, a private, loopback, link-local or otherwise internal address');
    const badFilter = await runCli(['webhooks', 'create', '--url', 'https://93.184.216.34/hook', '--format', 'JSON', '--filter', '{"minImportance":"URGENT"}'], cli.env);
    expect(badFilter.code).toBe(1);
    expect(badFilter.stderr).toContain('input.filter.minImportance');
  }, CLI_TEST_TIMEOUT_MS);

  it('sets a delivery schedule on create and changes it with update; refuses a bad one', async () => {
    const created = await runCli(['webhooks', 'create', '--url', 'https://93.184.216.34/daily', '--format', 'DISCORD', '--schedule', '{"medium":"HOURLY","low":"DAILY","dailyHourUtc":8}'], cli.env);
    expect(created.code).toBe(0);
    const id = /created webhook ([0-9a-f-]{36})/.exec(created.stdout)![1]!;
    expect((await runCli(['webhooks', 'list'], cli.env)).stdout).toContain(`${id}  DISCORD  enabled   https://93.184.216.34/daily  filter {}  HIGH IMMEDIATE, MEDIUM HOURLY, LOW DAILY at 08:00 UTC`);
    const updated = await runCli(['webhooks', 'update', id, '--schedule', '{"medium":"DAILY","high":"DAILY"}', '--disable'], cli.env);
    expect(updated.stderr).toBe('');
    expect(updated.stdout).toContain(`${id}  DISCORD  disabled  https://93.184.216.34/daily  filter {}  DAILY at 08:00 UTC`);
    const bad = await runCli(['webhooks', 'update', id, '--schedule', '{"low":"WEEKLY"}'], cli.env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('digestql webhooks: input.schedule.low: unknown delivery mode WEEKLY (IMMEDIATE, HOURLY or DAILY)\n');
    const notJson = await runCli(['webhooks', 'update', id, '--schedule', '{low'], cli.env);
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toMatch(/^digestql webhooks: --schedule is not valid JSON/);
    const missing = await runCli(['webhooks', 'update', '00000000-0000-0000-0000-000000000001', '--enable'], cli.env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no webhook with id "00000000-0000-0000-0000-000000000001"');
    expect((await runCli(['webhooks', 'delete', id], cli.env)).code).toBe(0);
  }, CLI_TEST_TIMEOUT_MS);
});
