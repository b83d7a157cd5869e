// `npm run test:e2e`: runs each spec file against its own fresh server and database, so no
// spec depends on what another left behind (uploads, labels, promoted models). Extra
// arguments go to Playwright, e.g. `npm run test:e2e -- --grep upload`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromiumOrExit } from './chromium';

// Before any server is built or started: without a browser every spec would fail.
const chromium = chromiumOrExit();
console.log(`e2e: Chromium ${chromium}`);
const dir = __dirname;
const specs = fs.readdirSync(dir).filter((f) => f.endsWith('.spec.ts')).sort();
const cli = require.resolve('@playwright/test/cli');
const failed: string[] = [];
for (const spec of specs) {
  console.log(`\n=== e2e: ${spec}`);
  const r = spawnSync(process.execPath, [cli, 'test', path.join('e2e', spec), ...process.argv.slice(2)], {
    cwd: path.join(dir, '..'),
    stdio: 'inherit',
    env: { ...process.env, MASKLAB_E2E_NAME: path.basename(spec, '.spec.ts') },
  });
  if (r.status !== 0) failed.push(spec);
}
console.log(failed.length ? `\ne2e: failed in ${failed.join(', ')}` : `\ne2e: all ${specs.length} spec files passed`);
process.exit(failed.length ? 1 : 0);
