import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '@/lib/config';

describe('configuration', () => {
  it('defaults to a SQLite file in ./data and port 3000', () => {
    const c = parseConfig({}, '/srv/app');
    expect(c.dataDir).toBe('/srv/app/data');
    expect(c.databaseUrl).toBe(`file:${path.join('/srv/app/data', 'masklab.db')}`);
    expect(c.provider).toBe('sqlite');
    expect(c.port).toBe(3000);
    expect(c.maxUploadBytes).toBe(25 * 1024 * 1024);
    expect(c.maxPixels).toBe(50_000_000);
  });

  it('honours MASKLAB_DATA_DIR, PORT and a PostgreSQL DATABASE_URL', () => {
    const c = parseConfig({ MASKLAB_DATA_DIR: 'store', PORT: '8080', DATABASE_URL: 'postgresql://u@db:5432/masklab' }, '/srv');
    expect(c.dataDir).toBe('/srv/store');
    expect(c.port).toBe(8080);
    expect(c.provider).toBe('postgresql');
    expect(c.databaseUrl).toBe('postgresql://u@db:5432/masklab');
  });

  it('resolves a relative SQLite path against the working directory', () => {
    expect(parseConfig({ DATABASE_URL: 'file:./x/y.db' }, '/srv').databaseUrl).toBe('file:/srv/x/y.db');
  });

  it('takes an http(s) MASKLAB_WEBHOOK_URL with an optional secret, and explains any other value', () => {
    expect(parseConfig({ MASKLAB_WEBHOOK_URL: 'https://hooks.example.com/m', MASKLAB_WEBHOOK_SECRET: 'a-secret-of-16-chars' })).toMatchObject({
      webhookUrl: 'https://hooks.example.com/m',
      webhookSecret: 'a-secret-of-16-chars',
    });
    expect(parseConfig({}).webhookUrl).toBeUndefined();
    for (const bad of ['ftp://hooks.example.com/x', 'hooks.example.com/x', 'javascript:alert(1)', 'http://']) {
      expect(() => parseConfig({ MASKLAB_WEBHOOK_URL: bad })).toThrow(/MASKLAB_WEBHOOK_URL: must be an http:\/\/ or https:\/\/ URL/);
    }
    expect(() => parseConfig({ MASKLAB_WEBHOOK_SECRET: 'a-secret-of-16-chars' })).toThrow(/MASKLAB_WEBHOOK_SECRET: is set, but MASKLAB_WEBHOOK_URL/);
    expect(() => parseConfig({ MASKLAB_WEBHOOK_URL: 'http://x.test/', MASKLAB_WEBHOOK_SECRET: 'short' })).toThrow(/MASKLAB_WEBHOOK_SECRET: must be at least 16/);
  });

  it('names every bad variable in one clear error', () => {
    const bad = () => parseConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', MASKLAB_ADMIN_PASSWORD: 'short' });
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (e) {
      const msg = (e as Error).message;
      expect(msg).toMatch(/PORT/);
      expect(msg).toMatch(/DATABASE_URL: must start with file: \(SQLite\) or postgresql:\/\//);
      expect(msg).toMatch(/MASKLAB_ADMIN_PASSWORD: must be at least 8 characters/);
    }
  });

  it('treats empty variables as unset', () => {
    expect(parseConfig({ PORT: '', DATABASE_URL: '' }, '/a').port).toBe(3000);
  });
});
