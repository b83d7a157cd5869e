// One webhook request: a POST of the signed JSON body over node:http(s), to an address that passed
// the destination check at connect time (destination.ts), redirects not followed, at most
// RESPONSE_SNIPPET_BYTES of the answer kept for the delivery log (as plain text).
import http from 'node:http';
import https from 'node:https';
import { type AllowHost, bareHost, isAllowedHost, literalRefusal, urlProblem } from '../net/destination';
import { guardedLookup, RefusedDestination, type Resolve, systemResolve } from './destination';
import { DELIVERY_HEADER, EVENT_HEADER, sign, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './sign';

/** The most of a receiver's answer kept in the delivery log (bytes of the body; the status line besides). */
export const RESPONSE_SNIPPET_BYTES = 300;

export type Outcome = {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  ok: boolean;
  /** The destination was refused (not contacted): retrying will not help. */
  refused?: boolean;
};

export type PostOptions = { timeoutMs: number; allow: readonly AllowHost[]; resolve?: Resolve };

/** Printable text on one line: control characters and runs of white space become one space. */
function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\s]+/g, ' ').trim();
}

/** At most `max` bytes of `buf` as UTF-8 text, without a character cut in half. */
function utf8Prefix(buf: Buffer, max: number): string {
  return buf.subarray(0, max).toString('utf8').replace(/\uFFFD+$/, '');
}

const timeoutText = (ms: number) => `no answer within ${ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`}`;

/** One POST. Never throws: every failure becomes an outcome with an error message. */
export function post(url: string, secret: string | undefined, d: { id: string; event: string; body: string }, opts: PostOptions): Promise<Outcome> {
  const t0 = Date.now();
  const refuse = (why: string): Promise<Outcome> => Promise.resolve({ statusCode: null, error: why, durationMs: Date.now() - t0, ok: false, refused: true });
  // A hook saved before these checks existed, or the environment's: checked again here.
  const problem = urlProblem(url);
  if (problem) return refuse(`refused: the URL ${problem}`);
  const u = new URL(url);
  const literal = literalRefusal(u, opts.allow);
  if (literal) return refuse(`refused: ${literal}`);

  const ts = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(d.body)),
    'User-Agent': 'masklab-webhooks/1',
    [EVENT_HEADER]: d.event,
    [DELIVERY_HEADER]: d.id,
    [TIMESTAMP_HEADER]: String(ts),
  };
  if (secret) headers[SIGNATURE_HEADER] = sign(secret, ts, d.body);

  return new Promise<Outcome>((resolve) => {
    let settled = false;
    const finish = (o: Omit<Outcome, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ ...o, durationMs: Date.now() - t0 });
    };
    const req = (u.protocol === 'https:' ? https : http).request(
      {
        protocol: u.protocol,
        hostname: bareHost(u.hostname),
        port: u.port || undefined,
        path: `${u.pathname}${u.search}`,
        method: 'POST',
        headers,
        // A fresh connection every time, resolved and checked by our lookup (never a pooled socket).
        agent: false,
        lookup: guardedLookup(opts.resolve ?? systemResolve, isAllowedHost(u, opts.allow)),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const line = `HTTP ${status}${res.statusMessage ? ` ${oneLine(res.statusMessage).slice(0, 100)}` : ''}`;
        if (status >= 200 && status < 300) return finish({ statusCode: status, error: null, ok: true });
        if (status >= 300 && status < 400) return finish({ statusCode: status, error: `${line} (redirects are not followed)`, ok: false });
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const text = oneLine(utf8Prefix(Buffer.concat(chunks), RESPONSE_SNIPPET_BYTES));
          finish({ statusCode: status, error: text ? `${line}: ${text}` : line, ok: false });
        };
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          size += c.length;
          if (size >= RESPONSE_SNIPPET_BYTES) done();
        });
        res.on('end', done);
        res.on('error', done);
      },
    );
    const timer = setTimeout(() => finish({ statusCode: null, error: timeoutText(opts.timeoutMs), ok: false }), opts.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof RefusedDestination) return finish({ statusCode: null, error: err.message, ok: false, refused: true });
      const code = err.code && !err.message.includes(err.code) ? ` (${err.code})` : '';
      finish({ statusCode: null, error: oneLine(`${err.message}${code}`).slice(0, 500), ok: false });
    });
    req.end(d.body);
  });
}
