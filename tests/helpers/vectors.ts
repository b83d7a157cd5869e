// Cached feature vectors without the backbone: each class a random centre in feature space, each face
// its class centre plus noise, the age estimate young ≈ 22 / old ≈ 62, stored plain and mirrored
// under FEATURE_KEY as ensureFeatures would (so jobs find them cached and run no backbone).
import { CLASSES, type ClassName } from '@/lib/classes';
import type { Db } from '@/lib/db';
import { prng } from '@/lib/random';
import { FEATURE_DIM } from '@/lib/inference/backbone';
import type { FeatureVector } from '@/lib/inference/types';
import { encodeVector, FEATURE_KEY } from '@/lib/features/cache';

export function classVectors(seed: number, noise = 0.8) {
  const rand = prng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const centres = CLASSES.map(() => Float32Array.from({ length: FEATURE_DIM }, gauss));
  return (label: ClassName | 'far'): FeatureVector => {
    if (label === 'far') return { features: Float32Array.from({ length: FEATURE_DIM }, () => 10 * gauss()), age: 40, male: 0.5 };
    const c = centres[CLASSES.indexOf(label)];
    return {
      features: c.map((v) => v + noise * gauss()),
      age: (label.endsWith('old') ? 62 : 22) + 4 * gauss(),
      male: rand(),
    };
  };
}

/** Stores plain and mirrored vectors for the faces (`truth[i]` is the class face i looks like). */
export async function seedVectors(db: Db, faceIds: readonly string[], truth: readonly (ClassName | 'far')[], seed = 7): Promise<void> {
  const make = classVectors(seed);
  const rows = faceIds.flatMap((faceId, i) => [
    { faceId, backbone: FEATURE_KEY, mirrored: false, vector: encodeVector(make(truth[i])) },
    { faceId, backbone: FEATURE_KEY, mirrored: true, vector: encodeVector(make(truth[i])) },
  ]);
  for (let i = 0; i < rows.length; i += 200) await db.feature.createMany({ data: rows.slice(i, i + 200) });
}
