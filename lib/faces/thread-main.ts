// A model thread of the face pipeline (lib/models/threads.ts): `analyse` runs `analyseImage` (detection,
// the crop rule, crops and pHashes) on a decoded photo sent by `analyseOffThread`, with this thread's own
// TF.js, so the caller's event loop keeps serving.
import { serveThread } from '../models/threads';
import type { RgbImage } from '../images';
import { analyseImage } from './pipeline';

serveThread({
  analyse: async (rgb: RgbImage) => analyseImage(rgb),
});
