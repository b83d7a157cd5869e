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
  async headers() {
    return [
      {
        source: '/preview',
        headers: [
          { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
          { key: 'Cross-Origin-Embedder-Policy', value: 'require-corp' },
        ],
      },
    ];
  },
  typedRoutes: false,
};

module.exports = nextConfig;
