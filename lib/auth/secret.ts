// The key that signs session cookies: NEXTAUTH_SECRET when set, else a random one
// created once in the data directory (so sessions survive restarts).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Several processes may start on one new data folder at once; they must all end up with the
 * same key. The key is written whole to a temporary file, then hard-linked into place, which
 * fails when the file exists: nobody ever reads a half-written file, and the first writer wins.
 */
export function authSecret(dataDir: string, fromEnv?: string): string {
  if (fromEnv) return fromEnv;
  const file = path.join(dataDir, 'auth-secret');
  const existing = readSecret(file);
  if (existing) return existing;
  fs.mkdirSync(dataDir, { recursive: true });
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, crypto.randomBytes(32).toString('base64url'), { mode: 0o600 });
  try {
    fs.linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // another process published its key first: use that one
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  const secret = readSecret(file);
  if (!secret) throw new Error(`${file} is empty: delete it, or set NEXTAUTH_SECRET`);
  return secret;
}

function readSecret(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8').trim() || null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
