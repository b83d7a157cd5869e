import type { Metadata } from 'next';
import './globals.css';

// Rendered per request: the Content-Security-Policy nonce (middleware.ts) differs every time,
// and Next.js can only put it on the inline scripts of a page it renders now.
export const dynamic = 'force-dynamic';

export const metadata: Metadata = {
  title: { default: 'masklab', template: '%s · masklab' },
  description: 'Build a face dataset, label it fast, train a mask and age classifier.',
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen">{children}</body>
    </html>
  );
}
