// Verifying a digestql webhook (Standard Webhooks signing) with nothing but node:crypto.
// Usage in an HTTP handler: verify(process.env.WEBHOOK_SECRET, req.headers, rawBody) before trusting the body.
import { Buffer } from 'node:buffer';
import { createHmac, timingSafeEqual } from 'node:crypto';

export function verify(secret, headers, body, toleranceSeconds = 300) {
  const id = headers['webhook-id'], ts = Number(headers['webhook-timestamp']), sigs = headers['webhook-signature'] ?? '';
  if (!id || !Number.isInteger(ts) || Math.abs(Date.now() / 1000 - ts) > toleranceSeconds) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = Buffer.from(`v1,${createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64')}`);
  return sigs.split(' ').some((s) => s.length === expected.length && timingSafeEqual(Buffer.from(s), expected));
}
