// Makes docs/screenshot.png: a fresh data dir, the fixtures imported with labels, one
// training run, then the Dashboard in headless Chromium. Usage: npx tsx docs/make-screenshot.ts
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';

const root = path.join(__dirname, '..');
const data = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-shot-'));
const env = { ...process.env, MASKLAB_DATA_DIR: data, MASKLAB_MODELS_DIR: path.join(data, 'models'), PORT: '3299', DATABASE_URL: '', MASKLAB_ADMIN_EMAIL: 'admin@example.com', MASKLAB_ADMIN_PASSWORD: 'screenshot-pw' };
const cli = (...args: string[]) => execFileSync(process.execPath, [require.resolve('tsx/cli'), 'jobs/cli.ts', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });

async function main() {
  cli('import', path.join(root, 'tests/fixtures/facemask'), '--labels-from-folders');
  cli('import', path.join(root, 'tests/fixtures/facemask/scenes'));
  cli('train', '--wait');
  const server = spawn(process.execPath, [require.resolve('tsx/cli'), 'jobs/start.ts'], { cwd: root, env: { ...env, MASKLAB_WORKER: '0' }, stdio: 'ignore' });
  try {
    for (let i = 0; i < 300; i++) {
      try {
        if ((await fetch('http://localhost:3299/login')).ok) break;
      } catch {}
      await new Promise((r) => setTimeout(r, 1000));
    }
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto('http://localhost:3299/login');
    await page.fill('input[name=email]', 'admin@example.com');
    await page.fill('input[name=password]', 'screenshot-pw');
    await page.click('button[type=submit]');
    await page.waitForURL('http://localhost:3299/');
    await page.goto('http://localhost:3299/dashboard');
    await page.waitForTimeout(1500);
    await page.screenshot({ path: path.join(root, 'docs', 'screenshot.png') });
    // MASKLAB_SHOTS=dir also captures the other pages there, for a look at the whole product.
    const more = process.env.MASKLAB_SHOTS;
    if (more) {
      for (const p of ['label', 'gallery', 'training', 'preview', 'collect']) {
        await page.goto(`http://localhost:3299/${p}`);
        await page.waitForTimeout(4000);
        await page.screenshot({ path: path.join(more, `${p}.png`) });
      }
      await page.goto('http://localhost:3299/training');
      await page.getByTestId('runs').getByRole('link').first().click();
      await page.waitForTimeout(1500);
      await page.screenshot({ path: path.join(more, 'run.png'), fullPage: true });
    }
    await browser.close();
  } finally {
    server.kill('SIGTERM');
    fs.rmSync(data, { recursive: true, force: true });
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
