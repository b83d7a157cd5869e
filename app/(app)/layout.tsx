import { AppShell } from '@/app/_components/app-shell';
import { pageGuard } from '@/app/_server/guard';

export const dynamic = 'force-dynamic';

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const actor = await pageGuard('viewer');
  return <AppShell actor={actor}>{children}</AppShell>;
}
