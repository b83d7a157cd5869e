// Where the export reads a face's crop JPEG: through the storage layer. (Training features come from the original photo, see lib/features/cache.ts.)
import { type BlobStore, faceKey, store as defaultStore } from '../storage';

export type CropRef = { faceId: string; photoSha: string; index: number };

export async function readCrop(ref: CropRef, blobs: BlobStore = defaultStore()): Promise<Buffer> {
  const bytes = await blobs.get(faceKey(ref.photoSha, ref.index));
  if (!bytes) throw new Error(`the crop of face ${ref.faceId} is missing from storage`);
  return bytes;
}
