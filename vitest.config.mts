import path from 'node:path';
import { defineConfig } from 'vitest/config';

const alias = { '@': path.dirname(new URL(import.meta.url).pathname) };

export default defineConfig({
  resolve: { alias },
  test: {
    // CI also writes a JSON report, summed up by .ci/summary.ts.
    reporters: process.env.MASKLAB_REPORT_DIR ? ['default', 'json'] : ['default'],
    outputFile: process.env.MASKLAB_REPORT_DIR
      ? { json: path.join(process.env.MASKLAB_REPORT_DIR, `vitest-${process.env.TEST_DATABASE_URL ? 'pg' : 'main'}.json`) }
      : undefined,
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/db/**', 'tests/faults/**', 'node_modules/**'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Runs against DATABASE_URL when it is set (CI: PostgreSQL), else a temp SQLite file.
        resolve: { alias },
        test: {
          name: 'db',
          include: ['tests/db/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
          // Run order: unit (0, in parallel), then db (1), then faults (2), one group at a time.
          sequence: { groupOrder: 1 },
        },
      },
      {
        // Real `npm start` processes killed with SIGKILL mid-work (tests/faults/app.ts). They run
        // after the other projects (groupOrder), one file at a time, on the same database kind
        // as the db project. globalSetup builds the web app first when its sources changed.
        resolve: { alias },
        test: {
          name: 'faults',
          include: ['tests/faults/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/faults/global-setup.ts'],
          testTimeout: 420_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
