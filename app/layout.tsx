import type { Metadata } from 'next';
import './globals.css';

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
