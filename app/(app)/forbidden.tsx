// forbidden() from a page under the signed-in layout renders here, inside that layout: the menu
// stays, and the page says which role it needs. (app/forbidden.tsx is the fallback elsewhere.)
import { ForbiddenContent } from '@/app/_components/forbidden-page';

export default function Forbidden() {
  return <ForbiddenContent />;
}
