// The client's address for sign-in throttling. `X-Forwarded-For` is set by whoever sends
// the request, so it is only believed for the configured number of trusted reverse
// proxies in front of the app (MASKLAB_TRUSTED_PROXIES); with 0 the TCP peer is used.
//
// How the peer gets here: `npm start` runs `next start` with jobs/peer-address.cjs
// preloaded, which writes the socket's address into PEER_HEADER on every incoming request
// (overwriting anything a client sent). Without that hook (`next dev`) the last
// X-Forwarded-For entry is the fallback: Next.js fills it from the socket only when the
// client sent none, so it is then trustworthy only with a proxy in front.
export const PEER_HEADER = 'x-masklab-peer';

export function clientAddress(opts: { peer: string | null | undefined; forwardedFor: string | null | undefined; trustedProxies: number }): string | null {
  const xff = (opts.forwardedFor ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const peer = opts.peer?.trim() || null;
  // The hop chain as seen by the app: what the proxies reported, then the TCP peer.
  const chain = peer ? [...xff, peer] : xff;
  if (chain.length === 0) return null;
  const n = Math.max(0, Math.floor(opts.trustedProxies));
  // Without the peer hook, the last XFF entry stands in for the peer.
  const idx = chain.length - 1 - n;
  return normalise(chain[Math.max(0, idx)]);
}

function normalise(a: string): string {
  // IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is the same client as `10.0.0.1`.
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  return (m ? m[1] : a).toLowerCase();
}
