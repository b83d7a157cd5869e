// Next.js runs `register` once when the server starts (https://nextjs.org/docs/app/guides/instrumentation).
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    // Content-Length on streamed downloads (GET /api/export), which Next.js drops: lib/http/declared-length.ts.
    const { installDeclaredLength } = await import('./lib/http/declared-length');
    installDeclaredLength();
  }
}
