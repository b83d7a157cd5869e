// A model thread of `POST /api/predict` (lib/models/threads.ts): `classify` loads the promoted run's head from
// its folder (once per run in this thread) and runs `classifyEncoded` (decode, detection, backbone, head) with
// this thread's own TF.js, so the web process's event loop keeps serving while an image is classified.
import type { Limits } from '../images';
import { headKeeper } from './registry';
import { classifyEncoded } from './serve';
import { serveThread } from './threads';
import { getTf } from './tf';

const keptHead = headKeeper(getTf);

serveThread({
  classify: async (a: { runId: string; modelDir: string; bytes: Uint8Array; limits: Partial<Limits> }) =>
    classifyEncoded(await keptHead(a.runId, a.modelDir), a.bytes, a.limits),
});
