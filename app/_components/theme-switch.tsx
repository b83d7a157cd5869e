'use client';
// System / light / dark. The choice goes into a cookie (the root layout renders <html class> from it
// on the next request) and onto <html> at once.
import { useEffect, useState } from 'react';
import { parseTheme, THEME_COOKIE, THEMES, type Theme } from './theme';

const NAMES: Record<Theme, string> = { system: 'System', light: 'Light', dark: 'Dark' };

export function ThemeSwitch() {
  const [theme, setTheme] = useState<Theme>('system');
  useEffect(() => {
    const c = document.cookie.split('; ').find((x) => x.startsWith(`${THEME_COOKIE}=`));
    setTheme(parseTheme(c?.slice(THEME_COOKIE.length + 1)));
  }, []);
  const choose = (t: Theme) => {
    setTheme(t);
    const html = document.documentElement;
    html.classList.remove('light', 'dark');
    if (t !== 'system') html.classList.add(t);
    document.cookie = `${THEME_COOKIE}=${t}; path=/; max-age=31536000; samesite=lax`;
  };
  return (
    <fieldset className="px-3 py-2" data-testid="theme-switch">
      <legend className="mb-1 text-xs font-medium text-slate-600">Theme</legend>
      <div className="flex rounded-md border border-slate-300 p-0.5">
        {THEMES.map((t) => (
          <label
            key={t}
            className={`flex-1 cursor-pointer rounded px-2 py-1 text-center text-xs has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-indigo-600 ${
              theme === t ? 'bg-indigo-600 font-medium text-white' : 'text-slate-700 hover:bg-slate-100'
            }`}
          >
            <input type="radio" name="theme" value={t} checked={theme === t} onChange={() => choose(t)} className="sr-only" />
            {NAMES[t]}
          </label>
        ))}
      </div>
    </fieldset>
  );
}
