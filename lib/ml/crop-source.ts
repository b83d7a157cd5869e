// The one place the training code reads a face's crop JPEG. It follows the collect branch's
// storage layout (`$MASKLAB_DATA_DIR/store/derived/<aa>/<photo sha>/face-<index>.jpg`);
// once that branch is merged this becomes `store().get(faceKey(sha, index))`.
import fs from 'node:fs/promises';
import path from 'node:path';
import { config } from '../config';

export type CropRef = { faceId: string; photoSha: string; index: number };

export function cropPath(dataDir: string, ref: Pick<CropRef, 'photoSha' | 'index'>): string {
  if (!/^[0-9a-f]{64}$/.test(ref.photoSha)) throw new Error(`not a sha256: ${ref.photoSha}`);
  return path.join(dataDir, 'store', 'derived', ref.photoSha.slice(0, 2), ref.photoSha, `face-${ref.index}.jpg`);
}

export async function readCrop(ref: CropRef, dataDir = config().dataDir): Promise<Buffer> {
  try {
    return await fs.readFile(cropPath(dataDir, ref));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`the crop of face ${ref.faceId} is missing from storage`);
    throw err;
  }
}
