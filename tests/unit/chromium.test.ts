import { describe, expect, it } from 'vitest';
import { DEBIAN_CHROMIUM, findChromium, mayAptInstall, type FinderEnv } from '@/e2e/chromium';

const PW = '/root/.cache/ms-playwright/chromium-1/chrome-linux64/chrome';
const finder = (files: string[], env: Record<string, string> = {}, pw: string | null = PW): FinderEnv => ({
  env,
  exists: (f) => files.includes(f),
  playwrightPath: () => pw,
});

describe('findChromium', () => {
  it('takes MASKLAB_CHROMIUM first, and says so when it does not exist', () => {
    expect(findChromium(finder(['/opt/chrome', DEBIAN_CHROMIUM], { MASKLAB_CHROMIUM: '/opt/chrome' }))).toEqual({ path: '/opt/chrome', source: 'MASKLAB_CHROMIUM' });
    const missing = findChromium(finder([DEBIAN_CHROMIUM], { MASKLAB_CHROMIUM: '/opt/none' }));
    expect(missing).toEqual({ error: expect.stringMatching(/MASKLAB_CHROMIUM=\/opt\/none does not exist/) });
  });

  it('still honours the older CHROMIUM_PATH', () => {
    expect(findChromium(finder(['/x/chromium'], { CHROMIUM_PATH: '/x/chromium' }))).toMatchObject({ path: '/x/chromium' });
  });

  it("then Debian's package, then Playwright's download", () => {
    expect(findChromium(finder([DEBIAN_CHROMIUM, PW]))).toEqual({ path: DEBIAN_CHROMIUM, source: 'Debian package' });
    expect(findChromium(finder([PW]))).toEqual({ path: PW, source: "Playwright's download" });
  });

  it('explains in one line how to install one when there is none', () => {
    for (const pw of [PW, null]) {
      const r = findChromium(finder([], {}, pw));
      expect('error' in r).toBe(true);
      const line = (r as { error: string }).error;
      expect(line).not.toContain('\n');
      expect(line).toMatch(/apt-get install chromium/);
      expect(line).toMatch(/npx playwright install chromium/);
      expect(line).toMatch(/MASKLAB_CHROMIUM/);
    }
  });

  it('installs with apt-get only as root in CI', () => {
    expect(mayAptInstall({ CI: 'true' }, 0)).toBe(true);
    expect(mayAptInstall({ CI: 'true' }, 1000)).toBe(false);
    expect(mayAptInstall({}, 0)).toBe(false);
    expect(mayAptInstall({ CI: 'true' }, undefined)).toBe(false);
  });
});
