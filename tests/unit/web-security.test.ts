import { describe, expect, it } from 'vitest';
import { safeCallbackPath } from '@/lib/http/redirect';
import { checkOrigin, type OriginCheckInput } from '@/lib/http/origin';
import { clientAddress } from '@/lib/http/client-address';

describe('safeCallbackPath (no open redirect after sign-in)', () => {
  it('keeps paths inside the app', () => {
    expect(safeCallbackPath('/')).toBe('/');
    expect(safeCallbackPath('/label')).toBe('/label');
    expect(safeCallbackPath('/gallery?label=mask&page=2#top')).toBe('/gallery?label=mask&page=2#top');
    expect(safeCallbackPath('/faces/abc%2F..')).toBe('/faces/abc%2F..');
  });

  it.each([
    '//example.org',
    '//example.org/path',
    '/\\example.org',
    '\\\\example.org',
    '/\t/example.org',
    ' //example.org',
    'https://example.org/',
    'http://localhost:3000.example.org/',
    'HTTPS://example.org',
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'example.org',
    '?x=1',
    '',
    '///example.org',
    '/%2F/example.org/../',
  ])('sends %j to /', (raw) => {
    const out = safeCallbackPath(raw, 'http://localhost:3000');
    expect(out.startsWith('/')).toBe(true);
    expect(out.startsWith('//')).toBe(false);
    expect(out.startsWith('/\\')).toBe(false);
    // resolved against the app it stays on the app
    expect(new URL(out, 'http://localhost:3000').origin).toBe('http://localhost:3000');
    if (!raw.startsWith('/%2F')) expect(out).toBe('/');
  });

  it('accepts an absolute URL of the app itself, reduced to its path', () => {
    expect(safeCallbackPath('http://localhost:3000/label?x=1', 'http://localhost:3000')).toBe('/label?x=1');
    expect(safeCallbackPath('http://localhost:3001/label', 'http://localhost:3000')).toBe('/');
    expect(safeCallbackPath('https://localhost:3000/label', 'http://localhost:3000')).toBe('/');
  });

  it('refuses anything that is not a string', () => {
    expect(safeCallbackPath(undefined)).toBe('/');
    expect(safeCallbackPath(['/a', '//b'])).toBe('/');
    expect(safeCallbackPath('/' + 'a'.repeat(5000))).toBe('/');
  });
});

describe('checkOrigin (cross-site requests)', () => {
  const base: OriginCheckInput = {
    method: 'POST',
    origin: null,
    secFetchSite: null,
    host: 'masklab.lan:3000',
    cookie: 'next-auth.session-token=x',
    authorization: null,
  };
  const ok = (i: Partial<OriginCheckInput>) => checkOrigin({ ...base, ...i }).ok;

  it('allows reads whatever their origin', () => {
    expect(ok({ method: 'GET', origin: 'https://evil.example', secFetchSite: 'cross-site' })).toBe(true);
    expect(ok({ method: 'HEAD', origin: 'https://evil.example' })).toBe(true);
  });

  it('allows the app’s own origin (Host, any scheme) and refuses others', () => {
    expect(ok({ origin: 'http://masklab.lan:3000', secFetchSite: 'same-origin' })).toBe(true);
    expect(ok({ origin: 'https://masklab.lan:3000' })).toBe(true);
    expect(ok({ origin: 'http://MASKLAB.lan:3000', host: 'masklab.lan:3000' })).toBe(true);
    expect(ok({ origin: 'https://evil.example' })).toBe(false);
    expect(ok({ origin: 'http://masklab.lan:3001' })).toBe(false);
    expect(ok({ origin: 'http://masklab.lan.evil.example:3000' })).toBe(false);
    expect(ok({ origin: 'null' })).toBe(false);
    expect(ok({ origin: 'not a url' })).toBe(false);
    for (const m of ['PUT', 'PATCH', 'DELETE', 'post']) expect(ok({ method: m, origin: 'https://evil.example' })).toBe(false);
  });

  it('uses NEXTAUTH_URL as the only origin when it is set', () => {
    const appUrl = 'https://masklab.example.com';
    expect(ok({ appUrl, origin: 'https://masklab.example.com', host: 'internal:3000' })).toBe(true);
    expect(ok({ appUrl, origin: 'http://internal:3000', host: 'internal:3000' })).toBe(false);
  });

  it('without Origin, trusts Sec-Fetch-Site same-origin / none only', () => {
    expect(ok({ secFetchSite: 'same-origin' })).toBe(true);
    expect(ok({ secFetchSite: 'none' })).toBe(true);
    expect(ok({ secFetchSite: 'same-site' })).toBe(false);
    expect(ok({ secFetchSite: 'cross-site' })).toBe(false);
  });

  it('allows a request with neither header (not a browser: curl, scripts)', () => {
    expect(ok({})).toBe(true);
  });

  it('does not check API-token requests without cookies, but does with a cookie', () => {
    expect(ok({ authorization: 'Bearer mlk_x', cookie: null, origin: 'https://evil.example' })).toBe(true);
    expect(ok({ authorization: 'Bearer mlk_x', cookie: 'a=b', origin: 'https://evil.example' })).toBe(false);
  });
});

describe('clientAddress (X-Forwarded-For only for trusted proxies)', () => {
  it('uses the TCP peer and ignores X-Forwarded-For with 0 trusted proxies', () => {
    expect(clientAddress({ peer: '192.0.2.7', forwardedFor: '10.9.9.9', trustedProxies: 0 })).toBe('192.0.2.7');
    expect(clientAddress({ peer: '::ffff:192.0.2.7', forwardedFor: null, trustedProxies: 0 })).toBe('192.0.2.7');
  });

  it('takes the Nth address from the right with N trusted proxies', () => {
    // client 203.0.113.5 → proxy A (adds it) → proxy B (adds A = 10.0.0.2) → app (peer B = 10.0.0.3)
    const fwd = '6.6.6.6, 203.0.113.5, 10.0.0.2';
    expect(clientAddress({ peer: '10.0.0.3', forwardedFor: fwd, trustedProxies: 1 })).toBe('10.0.0.2');
    expect(clientAddress({ peer: '10.0.0.3', forwardedFor: fwd, trustedProxies: 2 })).toBe('203.0.113.5');
    // a short header: the leftmost entry, never a forged one beyond it
    expect(clientAddress({ peer: '10.0.0.3', forwardedFor: '203.0.113.5', trustedProxies: 5 })).toBe('203.0.113.5');
  });

  it('without the peer hook, falls back to the last X-Forwarded-For entry', () => {
    expect(clientAddress({ peer: null, forwardedFor: '6.6.6.6, 127.0.0.1', trustedProxies: 0 })).toBe('127.0.0.1');
    expect(clientAddress({ peer: null, forwardedFor: null, trustedProxies: 0 })).toBeNull();
  });
});
