import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { newSecret, signatureHeader } from '../../../src/delivery/signing';
import { EXAMPLES_DIR } from '../../support/corpus';

describe('examples/verify-webhook.mjs (the README\'s verification example)', () => {
  it('accepts what digestql signs, with either secret of a rotation, and refuses tampering, other secrets and stale timestamps', () => {
    // Run as a receiver would: plain node importing the example module.
    const url = pathToFileURL(join(EXAMPLES_DIR, 'verify-webhook.mjs')).href;
    const verify = (secret: string, headers: Record<string, string>, body: string): boolean =>
      execFileSync(process.execPath, ['--input-type=module', '-e', `import { verify } from '${url}'; const [s, h, b] = JSON.parse(process.argv[1]); process.stdout.write(String(verify(s, h, b)));`, JSON.stringify([secret, headers, body])], {
        encoding: 'utf8',
      }) === 'true';
    const [a, b] = [newSecret(), newSecret()];
    const body = '{"type":"item.published","id":"evt_1"}';
    const ts = Math.floor(Date.now() / 1000);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(ts), 'webhook-signature': signatureHeader([a, b], 'msg_1', ts, body) };
    expect(verify(a, headers, body)).toBe(true);
    expect(verify(b, headers, body)).toBe(true);
    expect(verify(newSecret(), headers, body)).toBe(false);
    expect(verify(a, headers, body.replace('1', '2'))).toBe(false);
    const old = ts - 3600;
    expect(verify(a, { ...headers, 'webhook-timestamp': String(old), 'webhook-signature': signatureHeader([a], 'msg_1', old, body) }, body)).toBe(false);
  });
});
