// The signature of a webhook request: HMAC-SHA256 with the hook's secret over `<timestamp>.<body>`,
// sent as `X-Masklab-Signature: sha256=<hex>` with the timestamp (Unix seconds) in
// `X-Masklab-Timestamp`. Receivers recompute it (docs/api.md "Webhooks" has a Node example).
import crypto from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Masklab-Signature';
export const TIMESTAMP_HEADER = 'X-Masklab-Timestamp';
export const EVENT_HEADER = 'X-Masklab-Event';
export const DELIVERY_HEADER = 'X-Masklab-Delivery';

export function sign(secret: string, timestamp: number | string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * What a receiver does: the signature matches (compared in constant time) and the timestamp is within
 * `toleranceS` of now (a replayed old request fails).
 */
export function verify(secret: string, header: { signature?: string | null; timestamp?: string | null }, body: string, opts: { toleranceS?: number; now?: number } = {}): boolean {
  const ts = Number(header.timestamp);
  if (!header.signature || !Number.isInteger(ts)) return false;
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - ts) > (opts.toleranceS ?? 300)) return false;
  const want = Buffer.from(sign(secret, header.timestamp!, body));
  const got = Buffer.from(header.signature);
  return want.length === got.length && crypto.timingSafeEqual(want, got);
}

/** A new hook secret: 32 random bytes, base64url, with a prefix that says what it is. */
export function newSecret(): string {
  return `mlwh_${crypto.randomBytes(32).toString('base64url')}`;
}
