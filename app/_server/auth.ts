// next-auth configuration: e-mail + password, JWT sessions holding the user id and the id
// of a stored Session (lib/auth/sessions.ts), which signing out revokes.
// Roles are never trusted from the token: guard.ts reloads the user on every request.
import type { NextAuthOptions } from 'next-auth';
import { decode, encode } from 'next-auth/jwt';
import { cookies } from 'next/headers';
import { clientAddress, PEER_HEADER } from '@/lib/http/client-address';
import CredentialsProvider from 'next-auth/providers/credentials';
import { config } from '@/lib/config';
import { db } from '@/lib/db';
import { authSecret } from '@/lib/auth/secret';
import { signIn } from '@/lib/auth/users';
import { createSession, endSession, SESSION_MAX_AGE_S } from '@/lib/auth/sessions';
import { safeCallbackPath } from '@/lib/http/redirect';

// Self-hosted: the app is reached by whatever host name the team uses.
process.env.AUTH_TRUST_HOST ??= 'true';

export const SIGN_IN_MESSAGES = {
  invalid: 'Wrong e-mail or password.',
  disabled: 'This account is disabled. Ask an admin to enable it.',
  locked: (ms: number) => `Too many failed sign-in attempts. Try again in ${Math.max(1, Math.ceil(ms / 60_000))} minute(s).`,
};

const SESSION_MAX_AGE = SESSION_MAX_AGE_S;
const SESSION_COOKIES = ['__Secure-next-auth.session-token', 'next-auth.session-token'];

/**
 * The client's address for throttling. authorize() only gets the request headers (no
 * socket), so `npm start` preloads jobs/peer-address.cjs into `next start`, which puts the
 * TCP peer into `x-masklab-peer`; X-Forwarded-For counts only for MASKLAB_TRUSTED_PROXIES.
 */
function clientAddressOf(headers: Record<string, unknown> | undefined, trustedProxies: number): string | null {
  const str = (v: unknown) => (typeof v === 'string' ? v : Array.isArray(v) ? v.join(',') : null);
  return clientAddress({ peer: str(headers?.[PEER_HEADER]), forwardedFor: str(headers?.['x-forwarded-for']), trustedProxies });
}

/**
 * After the user changed their own password (which ended all their sessions), gives the
 * session this request came with the new session version, so the user stays signed in
 * here and only here. Returns false when there is no session cookie to re-issue.
 */
export async function reissueSession(sessionVersion: number): Promise<boolean> {
  const jar = await cookies();
  const name = SESSION_COOKIES.find((n) => jar.get(n));
  if (!name) return false;
  const secret = authOptions().secret!;
  const token = await decode({ token: jar.get(name)!.value, secret }).catch(() => null);
  if (!token) return false;
  const value = await encode({ token: { ...token, sv: sessionVersion }, secret, maxAge: SESSION_MAX_AGE });
  jar.set(name, value, { httpOnly: true, sameSite: 'lax', path: '/', secure: name.startsWith('__Secure-'), maxAge: SESSION_MAX_AGE });
  return true;
}

export function authOptions(): NextAuthOptions {
  const cfg = config();
  return {
    secret: authSecret(cfg.dataDir, cfg.nextAuthSecret),
    session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE },
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
          const address = clientAddressOf(req?.headers, cfg.trustedProxies);
          const result = await signIn(db(), credentials?.email ?? '', credentials?.password ?? '', address, {
            maxFailures: cfg.loginMaxFailures,
            windowMs: cfg.loginWindowMs,
          });
          if (result.ok) {
            const ua = req?.headers?.['user-agent'];
            const sid = await createSession(db(), result.actor.id, { userAgent: typeof ua === 'string' ? ua : null, address });
            return { id: result.actor.id, email: result.actor.email, name: result.actor.name, sv: result.sessionVersion, sid };
          }
          // next-auth passes a thrown message to the sign-in page as `error`.
          if (result.reason === 'tooLong') throw new Error(`${result.message}.`);
          if (result.reason === 'locked') throw new Error(SIGN_IN_MESSAGES.locked(result.retryAfterMs ?? 0));
          throw new Error(SIGN_IN_MESSAGES[result.reason]);
        },
      }),
    ],
    events: {
      // Sign-out ends the session on the server too: the cookie, if kept (copied), is refused.
      async signOut({ token }) {
        if (typeof token?.sid === 'string') await endSession(db(), token.sid);
      },
    },
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          token.uid = user.id;
          token.sv = (user as { sv?: number }).sv ?? 0;
          token.sid = (user as { sid?: string }).sid;
        }
        return token;
      },
      session({ session, token }) {
        (session as { uid?: unknown }).uid = token.uid;
        (session as { sv?: unknown }).sv = token.sv;
        (session as { sid?: unknown }).sid = token.sid;
        return session;
      },
      // After sign-in (and sign-out) only a path inside the app: no open redirect.
      redirect({ url, baseUrl }) {
        return baseUrl.replace(/\/+$/, '') + safeCallbackPath(url, baseUrl);
      },
    },
  };
}
