/** Paths of the face-mask test fixtures (tests/fixtures/facemask). */
import fs from 'node:fs';
import path from 'node:path';

export const FIXTURE_DIR = path.resolve(path.dirname(__filename), '../fixtures/facemask');
export const CLASSES = ['mask_old', 'mask_young', 'nomask_old', 'nomask_young'] as const;

/** The 32 single-face images (tight face crops), 8 per class. */
export function faceFixtures(): Array<{ file: string; cls: (typeof CLASSES)[number] }> {
  return CLASSES.flatMap((cls) =>
    fs
      .readdirSync(path.join(FIXTURE_DIR, cls))
      .filter((f) => f.endsWith('.jpg'))
      .sort()
      .map((f) => ({ file: path.join(FIXTURE_DIR, cls, f), cls })),
  );
}

/**
 * The group photos with the faces a person counts in them: `visible` faces are clear and must be found,
 * `total` counts every face (partly hidden ones included); a detector must find between the two.
 */
export const SCENES = [
  { file: 'cdeb_pic1.jpg', visible: 2, total: 2 }, // two older people in masks at the beach
  { file: 'cdeb_pic2.jpg', visible: 3, total: 3 }, // three young women in front, blurred crowd behind
  { file: 'cdeb_with_mask401.jpg', visible: 3, total: 3 }, // three women in masks holding mask packs
].map((s) => ({ ...s, path: path.join(FIXTURE_DIR, 'scenes', s.file) }));

export const read = (file: string): Buffer => fs.readFileSync(file);
