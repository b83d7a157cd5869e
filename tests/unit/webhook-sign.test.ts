// The webhook signature: HMAC-SHA256(secret, `<timestamp>.<body>`) as `sha256=<hex>`. The receiver
// side here is written like the README's Node example (plain node:crypto), so the documented recipe
// is the one that is tested.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newSecret, sign, verify } from '@/lib/webhooks/sign';

/** The README's verification, as a receiver would write it. */
function readmeVerify(secret: string, headers: Record<string, string>, rawBody: string): boolean {
  const ts = headers['x-masklab-timestamp'];
  const expected = 'sha256=' + crypto.createHmac('sha256', secret).update(`${ts}.${rawBody}`).digest('hex');
  const got = headers['x-masklab-signature'] ?? '';
  const fresh = Math.abs(Date.now() / 1000 - Number(ts)) < 300;
  return fresh && got.length === expected.length && crypto.timingSafeEqual(Buffer.from(got), Buffer.from(expected));
}

describe('webhook signatures', () => {
  const secret = 'mlwh_test-secret';
  const body = JSON.stringify({ event: 'run.finished', runId: 'r1' });

  it('is the HMAC-SHA256 of timestamp.body, which the README recipe verifies', () => {
    const ts = Math.floor(Date.now() / 1000);
    const sig = sign(secret, ts, body);
    expect(sig).toBe(`sha256=${crypto.createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`);
    expect(readmeVerify(secret, { 'x-masklab-timestamp': String(ts), 'x-masklab-signature': sig }, body)).toBe(true);
    expect(verify(secret, { signature: sig, timestamp: String(ts) }, body)).toBe(true);
  });

  it('fails for another body, another secret, another timestamp, or a stale one', () => {
    const now = 1_800_000_000;
    const sig = sign(secret, now, body);
    expect(verify(secret, { signature: sig, timestamp: String(now) }, body, { now })).toBe(true);
    expect(verify(secret, { signature: sig, timestamp: String(now) }, body + ' ', { now })).toBe(false);
    expect(verify('other', { signature: sig, timestamp: String(now) }, body, { now })).toBe(false);
    expect(verify(secret, { signature: sig, timestamp: String(now + 1) }, body, { now })).toBe(false);
    expect(verify(secret, { signature: sig, timestamp: String(now) }, body, { now: now + 301 })).toBe(false);
    expect(verify(secret, { signature: null, timestamp: String(now) }, body, { now })).toBe(false);
  });

  it('makes a new, long random secret each time', () => {
    const a = newSecret();
    expect(a).toMatch(/^mlwh_[A-Za-z0-9_-]{43}$/);
    expect(newSecret()).not.toBe(a);
  });
});
