import path from 'node:path';
import { makeY4m } from './make-y4m';

// The fake webcam shows a fixture group photo (several faces).
export default async function globalSetup() {
  const root = path.join(__dirname, '..');
  await makeY4m(
    path.join(root, 'tests', 'fixtures', 'facemask', 'scenes', 'cdeb_pic1.jpg'),
    path.join(root, 'e2e', '.webcam', 'webcam.y4m'),
  );
}
