// A model thread of the feature cache (lib/models/threads.ts): `describe` decodes a stored original and runs
// the backbone on its face boxes, plain and mirrored (`describeImageBoxes`), with this thread's own TF.js, so
// that `ensureFeatures` keeps one photo per thread in flight.
import { serveThread } from '../models/threads';
import type { BackboneKind } from '../inference/backbone';
import type { Box } from '../inference/preprocess';
import { decodeOriginal, describeImageBoxes } from './cache';

serveThread({
  describe: async (a: { bytes: Uint8Array; sha256: string; width: number; height: number; boxes: Box[]; kind: BackboneKind }) => {
    const image = await decodeOriginal(Buffer.from(a.bytes.buffer, a.bytes.byteOffset, a.bytes.byteLength));
    if (image.width !== a.width || image.height !== a.height) {
      throw new Error(`photo ${a.sha256} decodes to ${image.width}x${image.height}, its faces were found on ${a.width}x${a.height}`);
    }
    return describeImageBoxes(image, a.boxes, a.kind);
  },
});
