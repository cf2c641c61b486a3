import { checkWebhookUrl } from '../../../src/delivery/ssrf';

/**
 * The SSRF guard on IP literals: every notation is parsed, never resolved (no DNS, no IO).
 * Host names, which the guard resolves, are checked in tests/integration/webhooks.test.ts.
 */
describe('the SSRF guard', () => {
  const refused = [
    'https://127.0.0.1/hook',
    'https://10.1.2.3/',
    'https://172.16.0.1/',
    'https://192.168.1.1/',
    'https://169.254.169.254/latest/meta-data',
    'https://100.64.0.1/',
    'https://224.0.0.1/',
    'https://0.0.0.0/',
    'https://[::1]/',
    'https://[fe80::1]/',
    'https://[fc00::1]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:7f00:1]/',
    'https://[::127.0.0.1]/',
    'https://[::7f00:1]/',
    'https://[::8.8.8.8]/',
    'https://2130706433/',
    'https://0x7f000001/',
    'https://0177.0.0.1/',
  ];
  it.each(refused)('refuses %s with the allow-list off', async (url) => {
    await expect(checkWebhookUrl(url, { allow: [] })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'url' } });
  });
  it('accepts a public https address, and private ones only when allow-listed (by host or CIDR)', async () => {
    await expect(checkWebhookUrl('https://93.184.216.34/hook', { allow: [] })).resolves.toBeInstanceOf(URL);
    await expect(checkWebhookUrl('http://127.0.0.1:8080/hook', { allow: ['127.0.0.1'] })).resolves.toBeInstanceOf(URL);
    await expect(checkWebhookUrl('https://10.1.2.3/hook', { allow: ['10.0.0.0/8'] })).resolves.toBeInstanceOf(URL);
    await expect(checkWebhookUrl('https://10.1.2.3/hook', { allow: ['192.168.0.0/16'] })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });
});
