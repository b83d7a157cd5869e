// next-auth configuration: e-mail + password, JWT sessions holding the user id.
// Roles are never trusted from the token: guard.ts reloads the user on every request.
import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { config } from '@/lib/config';
import { db } from '@/lib/db';
import { authSecret } from '@/lib/auth/secret';
import { signIn } from '@/lib/auth/users';

// Self-hosted: the app is reached by whatever host name the team uses.
process.env.AUTH_TRUST_HOST ??= 'true';

export const SIGN_IN_MESSAGES = {
  invalid: 'Wrong e-mail or password.',
  disabled: 'This account is disabled. Ask an admin to enable it.',
  locked: (ms: number) => `Too many failed sign-in attempts. Try again in ${Math.max(1, Math.ceil(ms / 60_000))} minute(s).`,
};

function clientIp(headers: Record<string, unknown> | undefined): string | null {
  const fwd = headers?.['x-forwarded-for'];
  const first = typeof fwd === 'string' ? fwd.split(',')[0].trim() : null;
  const real = headers?.['x-real-ip'];
  return first || (typeof real === 'string' ? real : null);
}

export function authOptions(): NextAuthOptions {
  const cfg = config();
  return {
    secret: authSecret(cfg.dataDir, cfg.nextAuthSecret),
    session: { strategy: 'jwt', maxAge: 7 * 24 * 3600 },
    pages: { signIn: '/login', error: '/login' },
    logger: {
      // An invalid or stale cookie is routine (the request is answered 401): one line, not a stack.
      error(code, meta) {
        if (code === 'JWT_SESSION_ERROR') console.warn('masklab: refused an invalid session cookie');
        else console.error(`[next-auth] ${code}`, meta);
      },
      warn(code) {
        console.warn(`[next-auth] ${code}`);
      },
      debug() {},
    },
    providers: [
      CredentialsProvider({
        name: 'E-mail and password',
        credentials: { email: { label: 'E-mail', type: 'email' }, password: { label: 'Password', type: 'password' } },
        async authorize(credentials, req) {
          const result = await signIn(db(), credentials?.email ?? '', credentials?.password ?? '', clientIp(req?.headers), {
            maxFailures: cfg.loginMaxFailures,
            windowMs: cfg.loginWindowMs,
          });
          if (result.ok) return { id: result.actor.id, email: result.actor.email, name: result.actor.name };
          // next-auth passes a thrown message to the sign-in page as `error`.
          if (result.reason === 'locked') throw new Error(SIGN_IN_MESSAGES.locked(result.retryAfterMs ?? 0));
          throw new Error(SIGN_IN_MESSAGES[result.reason]);
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) token.uid = user.id;
        return token;
      },
      session({ session, token }) {
        (session as { uid?: unknown }).uid = token.uid;
        return session;
      },
    },
  };
}
