// Which Chromium the end-to-end tests (and the preview benchmark) drive. Looked for, in order:
//   1. MASKLAB_CHROMIUM (CHROMIUM_PATH, its older name, too): a path you set; it must exist;
//   2. Debian's package: /usr/bin/chromium (apt-get install chromium);
//   3. Playwright's own download in its cache (npx playwright install chromium).
// When none exists the run stops at once with one line saying how to install one, instead of every test
// failing with "executable doesn't exist". As root with CI=true (bash .ci/run in a container), Debian's
// package is installed with apt-get first.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

export type ChromiumFound = { path: string; source: string };

export interface FinderEnv {
  env: Record<string, string | undefined>;
  exists: (file: string) => boolean;
  /** Where Playwright's own Chromium would be (it may not be downloaded), or null. */
  playwrightPath: () => string | null;
}

const realEnv = (): FinderEnv => ({
  env: process.env,
  exists: (file) => {
    try {
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  },
  playwrightPath: () => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the cheaper places are empty
      return (require('playwright-core') as typeof import('playwright-core')).chromium.executablePath() || null;
    } catch {
      return null;
    }
  },
});

/** The first Chromium that exists, or why none does (one line: what was tried and how to install one). */
export function findChromium(e: FinderEnv = realEnv()): ChromiumFound | { error: string } {
  for (const name of ['MASKLAB_CHROMIUM', 'CHROMIUM_PATH']) {
    const set = e.env[name];
    if (set) {
      return e.exists(set) ? { path: set, source: name } : { error: `e2e: ${name}=${set} does not exist; point it at a Chromium executable or unset it` };
    }
  }
  if (e.exists(DEBIAN_CHROMIUM)) return { path: DEBIAN_CHROMIUM, source: 'Debian package' };
  const pw = e.playwrightPath();
  if (pw && e.exists(pw)) return { path: pw, source: "Playwright's download" };
  return {
    error:
      `e2e: no Chromium found (not at ${DEBIAN_CHROMIUM}${pw ? ` nor ${pw}` : ''}, MASKLAB_CHROMIUM unset): ` +
      'install one with `sudo apt-get install chromium` (Debian/Ubuntu) or `npx playwright install chromium`, or set MASKLAB_CHROMIUM=/path/to/chromium',
  };
}

/** Whether this process may install Debian's Chromium itself: root, in CI. */
export function mayAptInstall(env: Record<string, string | undefined>, uid: number | undefined): boolean {
  return uid === 0 && env.CI === 'true';
}

/**
 * `findChromium`, installing Debian's package first when none is found and `mayAptInstall`. Returns the
 * path, after putting it in MASKLAB_CHROMIUM so child processes (Playwright workers, one run per spec) skip
 * the search; or prints the one-line reason and exits with status 1.
 */
export function chromiumOrExit(): string {
  let found = findChromium();
  if ('error' in found && !process.env.MASKLAB_CHROMIUM && !process.env.CHROMIUM_PATH && mayAptInstall(process.env, process.getuid?.())) {
    console.error('e2e: no Chromium found; installing Debian\'s chromium package (root, CI=true)…');
    const sh = 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null';
    const r = spawnSync('sh', ['-c', sh], { stdio: 'inherit' });
    if (r.status !== 0) console.error(`e2e: apt-get install chromium failed (exit ${r.status})`);
    found = findChromium();
  }
  if ('error' in found) {
    console.error(found.error);
    process.exit(1);
  }
  process.env.MASKLAB_CHROMIUM = found.path;
  return found.path;
}
