import { defineConfig } from '@playwright/test';
import path from 'node:path';
import { chromiumOrExit } from './e2e/chromium';

export const E2E_PORT = Number(process.env.E2E_PORT ?? 3211);
export const ADMIN = { email: 'admin@e2e.test', password: 'e2e-admin-password' };
const dataDir = path.join(__dirname, 'e2e', '.data');

// MASKLAB_CHROMIUM, else Debian's Chromium (apt-get install chromium), else Playwright's own download
// (e2e/chromium.ts); with none, the run stops here with one line saying how to install one. The flags keep
// Chromium off the (closed) network.
const CHROMIUM = chromiumOrExit();

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  globalSetup: './e2e/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: process.env.MASKLAB_REPORT_DIR
    ? [['list'], ['json', { outputFile: path.join(process.env.MASKLAB_REPORT_DIR, `playwright-${process.env.MASKLAB_E2E_NAME ?? 'all'}.json`) }]]
    : [['list']],
  use: {
    baseURL: `http://localhost:${E2E_PORT}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-video-capture=${path.join(__dirname, 'e2e', '.webcam', 'webcam.y4m')}`,
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    // A fresh data directory for every run; `npm start` migrates, creates the admin,
    // (re)builds when the sources changed and serves app + worker.
    command: `rm -rf ${JSON.stringify(dataDir)} && npm start`,
    url: `http://localhost:${E2E_PORT}/login`,
    timeout: 600_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    env: {
      PORT: String(E2E_PORT),
      MASKLAB_DATA_DIR: dataDir,
      MASKLAB_MODELS_DIR: path.join(dataDir, 'models'),
      MASKLAB_ADMIN_EMAIL: ADMIN.email,
      MASKLAB_ADMIN_PASSWORD: ADMIN.password,
      NEXT_TELEMETRY_DISABLED: '1',
      DATABASE_URL: '',
      // e2e/webhooks.spec.ts runs its receiver on this host (any port): loopback hooks are refused otherwise
      MASKLAB_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
    },
  },
});
