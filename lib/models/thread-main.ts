// A model thread of `POST /api/predict` (lib/models/threads.ts): `classify` loads the promoted run's head from
// its folder (once per run in this thread) and runs `classifyEncoded` (decode, detection, backbone, head) with
// this thread's own TF.js, so the web process's event loop keeps serving while an image is classified.
import type { LoadedHead } from '../inference/classify';
import type { Limits } from '../images';
import { loadModel } from './registry';
import { classifyEncoded } from './serve';
import { serveThread } from './threads';
import { getTf } from './tf';

let cached: { runId: string; head: Promise<LoadedHead> } | null = null;

serveThread({
  classify: async (a: { runId: string; modelDir: string; bytes: Uint8Array; limits: Partial<Limits> }) => {
    if (cached?.runId !== a.runId) {
      const entry = { runId: a.runId, head: getTf().then((tf) => loadModel(tf, a.modelDir)).then(({ model, meta }) => ({ model, meta, runId: a.runId })) };
      entry.head.catch(() => {
        if (cached === entry) cached = null;
      });
      cached = entry;
    }
    return classifyEncoded(await cached.head, a.bytes, a.limits);
  },
});
