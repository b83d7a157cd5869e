// The colour theme: "system" follows prefers-color-scheme (no class on <html>), "light" / "dark"
// are the user's choice, kept in a cookie for a year so the server renders <html class="dark">
// (no flash before paint, no inline script for the CSP to allow).
export const THEMES = ['system', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];
export const THEME_COOKIE = 'masklab-theme';

export const parseTheme = (v: string | null | undefined): Theme => (v === 'light' || v === 'dark' ? v : 'system');
