// forbidden() outside the signed-in layout; pages under it get app/(app)/forbidden.tsx, with the menu.
import { ForbiddenContent } from '@/app/_components/forbidden-page';

export default function Forbidden() {
  return (
    <main>
      <ForbiddenContent />
    </main>
  );
}
