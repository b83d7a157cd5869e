// @ts-check
/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native and wasm-backed packages stay plain Node requires on the server.
  serverExternalPackages: [
    'better-sqlite3',
    '@prisma/adapter-better-sqlite3',
    '@prisma/adapter-pg',
    'pg',
    '@node-rs/argon2',
    'sharp',
    '@tensorflow/tfjs',
    '@tensorflow/tfjs-node',
    '@tensorflow/tfjs-backend-wasm',
    'heic-decode',
    'libheif-js',
  ],
  experimental: {
    authInterrupts: true, // forbidden() renders app/forbidden.tsx with status 403
  },
  poweredByHeader: false,
  // The live preview is cross-origin isolated, so the TF.js wasm backend may run multi-threaded
  // (SharedArrayBuffer); everything it loads is same-origin.
  // Security headers on every response, including routes the middleware skips (uploads).
  // HTML pages get their nonce'd Content-Security-Policy from middleware.ts; API responses
  // (JSON, images, model files) get a strict one here.
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Frame-Options', value: 'DENY' },
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
          {
            key: 'Permissions-Policy',
            value: 'camera=(self), microphone=(), geolocation=(), payment=(), usb=(), display-capture=(), fullscreen=(self)',
          },
          { key: 'Cross-Origin-Resource-Policy', value: 'same-origin' },
        ],
      },
      {
        // Every API path but /api/docs, an HTML page that sends its own CSP (lib/http/openapi.ts
        // docsCsp): a header set here would win over the page's.
        source: '/api/:path((?!docs$).*)',
        headers: [{ key: 'Content-Security-Policy', value: "default-src 'none'; frame-ancestors 'none'; sandbox" }],
      },
      {
        source: '/preview',
        headers: [
          { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
          { key: 'Cross-Origin-Embedder-Policy', value: 'require-corp' },
        ],
      },
      {
        // The preview's workers (app/(app)/preview/inference-worker.ts) run a script under /_next/static: a
        // cross-origin isolated page may only start a worker whose script says the same.
        source: '/_next/static/:path*',
        headers: [{ key: 'Cross-Origin-Embedder-Policy', value: 'require-corp' }],
      },
    ];
  },
  typedRoutes: false,
  // `npm run lint` checks the code (CI runs it); `npm start` builds must not fail or slow down on it.
  eslint: { ignoreDuringBuilds: true },
};

module.exports = nextConfig;
