// The session key of a data folder: several processes starting on a new folder at once must
// all end up with the same key (else a session made by one instance is refused by another).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { authSecret } from '@/lib/auth/secret';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-secret-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const ROOT = path.resolve(__dirname, '..', '..');

function secretInChild(dataDir: string, startAt: number): Promise<string> {
  // Each child waits for the same moment, then creates or reads the key.
  const code = `const t=${startAt};while(Date.now()<t){};console.log(require('./lib/auth/secret').authSecret(${JSON.stringify(dataDir)}))`;
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', 'tsx', '-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => (out += String(d)));
    c.once('exit', (status) => (status === 0 ? resolve(out.trim()) : reject(new Error(`child exited ${status}`))));
  });
}

describe('session key', () => {
  it('is created once and kept', () => {
    const d = path.join(dir, 'one');
    const first = authSecret(d);
    expect(first.length).toBeGreaterThanOrEqual(40);
    expect(authSecret(d)).toBe(first);
    expect(fs.statSync(path.join(d, 'auth-secret')).mode & 0o777).toBe(0o600);
    expect(authSecret(d, 'from-env')).toBe('from-env');
  });

  it('is the same for processes that create it at the same moment, and no temporary file is left', async () => {
    const d = path.join(dir, 'race');
    const startAt = Date.now() + 4000; // after every child has loaded
    const secrets = await Promise.all(Array.from({ length: 6 }, () => secretInChild(d, startAt)));
    expect(new Set(secrets).size).toBe(1);
    expect(secrets[0]).toBe(fs.readFileSync(path.join(d, 'auth-secret'), 'utf8'));
    expect(fs.readdirSync(d)).toEqual(['auth-secret']);
  });
});
