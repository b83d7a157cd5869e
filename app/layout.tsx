import type { Metadata, Viewport } from 'next';
import { cookies } from 'next/headers';
import { parseTheme, THEME_COOKIE } from './_components/theme';
import './globals.css';

// Rendered per request: the Content-Security-Policy nonce (middleware.ts) differs every time,
// and Next.js can only put it on the inline scripts of a page it renders now.
export const dynamic = 'force-dynamic';

export const metadata: Metadata = {
  title: { default: 'masklab', template: '%s · masklab' },
  description: 'Build a face dataset, label it fast, train a mask and age classifier.',
};

export const viewport: Viewport = {
  width: 'device-width',
  initialScale: 1,
  themeColor: [
    { media: '(prefers-color-scheme: light)', color: '#f8fafc' },
    { media: '(prefers-color-scheme: dark)', color: '#0b1020' },
  ],
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // The theme picked in the user menu (system: no class, the CSS follows prefers-color-scheme).
  const theme = parseTheme((await cookies()).get(THEME_COOKIE)?.value);
  return (
    <html lang="en" className={theme === 'system' ? undefined : theme}>
      <body className="min-h-screen">{children}</body>
    </html>
  );
}
