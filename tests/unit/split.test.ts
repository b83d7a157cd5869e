import { describe, expect, it } from 'vitest';
import { assignSplits, type SplitFace, type SplitName } from '@/lib/dataset/split';
import { prng, shuffleInPlace } from '@/lib/random';
import { CLASSES, type ClassName } from '@/lib/classes';

/** n single-face photos per class, ids zero-padded so they sort. */
function singles(perClass: Record<ClassName, number>, prefix = 'f'): SplitFace[] {
  const out: SplitFace[] = [];
  for (const c of CLASSES) {
    for (let i = 0; i < perClass[c]; i++) {
      const id = `${prefix}-${c}-${String(i).padStart(4, '0')}`;
      out.push({ id, label: c, photoId: `p-${id}`, groupId: null, split: null });
    }
  }
  return out;
}

function tally(faces: SplitFace[], assigned: Map<string, SplitName>) {
  const t: Record<string, Record<SplitName, number>> = {};
  for (const f of faces) {
    const s = f.split ?? assigned.get(f.id);
    if (!s) continue;
    t[f.label] ??= { train: 0, valid: 0, test: 0 };
    t[f.label][s]++;
  }
  return t;
}

describe('assignSplits', () => {
  it('stratifies each class 80/10/10', () => {
    const faces = singles({ mask_old: 100, mask_young: 50, nomask_old: 30, nomask_young: 200 });
    const t = tally(faces, assignSplits(faces));
    expect(t.mask_old).toEqual({ train: 80, valid: 10, test: 10 });
    expect(t.mask_young).toEqual({ train: 40, valid: 5, test: 5 });
    expect(t.nomask_old).toEqual({ train: 24, valid: 3, test: 3 });
    expect(t.nomask_young).toEqual({ train: 160, valid: 20, test: 20 });
  });

  it('honours other ratios', () => {
    const faces = singles({ mask_old: 20, mask_young: 20, nomask_old: 20, nomask_young: 20 });
    const t = tally(faces, assignSplits(faces, { ratios: { train: 0.5, valid: 0.25, test: 0.25 } }));
    for (const c of CLASSES) expect(t[c]).toEqual({ train: 10, valid: 5, test: 5 });
    expect(() => assignSplits(faces, { ratios: { train: 0.5, valid: 0.5, test: 0.5 } })).toThrow(/sum to 1/);
  });

  it('gives the same split for the same seed, whatever the input order, and another for another seed', () => {
    const faces = singles({ mask_old: 40, mask_young: 40, nomask_old: 40, nomask_young: 40 });
    const a = assignSplits(faces, { seed: 1337 });
    const b = assignSplits(shuffleInPlace([...faces], prng(99)), { seed: 1337 });
    expect([...b.entries()].sort()).toEqual([...a.entries()].sort());
    const c = assignSplits(faces, { seed: 7 });
    expect([...c.entries()].sort()).not.toEqual([...a.entries()].sort());
  });

  it('never lets a photo or a near-duplicate group straddle splits', () => {
    const faces: SplitFace[] = [];
    const rand = prng(5);
    let n = 0;
    for (let p = 0; p < 120; p++) {
      const k = 1 + Math.floor(rand() * 4); // 1–4 faces per photo
      for (let i = 0; i < k; i++) {
        const label = CLASSES[Math.floor(rand() * 4)];
        // Every 7th face is a near-duplicate of a face in another photo.
        const groupId = n % 7 === 0 ? `g${Math.floor(n / 21)}` : null;
        faces.push({ id: `f${String(n++).padStart(4, '0')}`, label, photoId: `p${p}`, groupId, split: null });
      }
    }
    const assigned = assignSplits(faces);
    const splitOf = (key: (f: SplitFace) => string | null) => {
      const m = new Map<string, Set<SplitName>>();
      for (const f of faces) {
        const k = key(f);
        if (!k) continue;
        if (!m.has(k)) m.set(k, new Set());
        m.get(k)!.add(assigned.get(f.id)!);
      }
      return [...m.values()].map((s) => s.size);
    };
    expect(Math.max(...splitOf((f) => f.photoId))).toBe(1);
    expect(Math.max(...splitOf((f) => f.groupId))).toBe(1);
    // and the split is still roughly 80/10/10 overall
    const counts = { train: 0, valid: 0, test: 0 };
    for (const s of assigned.values()) counts[s]++;
    expect(counts.train / faces.length).toBeGreaterThan(0.7);
    expect(counts.valid).toBeGreaterThan(0);
    expect(counts.test).toBeGreaterThan(0);
  });

  it('keeps pinned faces where they are and fills each class toward the ratios with new faces', () => {
    const first = singles({ mask_old: 50, mask_young: 50, nomask_old: 50, nomask_young: 50 });
    const a = assignSplits(first);
    const pinned = first.map((f) => ({ ...f, split: a.get(f.id)! }));
    // 50 new faces, all mask_old: the class goes from 50 to 100 faces.
    const added = singles({ mask_old: 50, mask_young: 0, nomask_old: 0, nomask_young: 0 }, 'new');
    const b = assignSplits([...pinned, ...added]);
    for (const f of pinned) expect(b.has(f.id)).toBe(false); // not moved
    expect([...b.keys()].sort()).toEqual(added.map((f) => f.id).sort());
    const t = tally([...pinned, ...added], b);
    expect(t.mask_old).toEqual({ train: 80, valid: 10, test: 10 });
    expect(t.nomask_young).toEqual({ train: 40, valid: 5, test: 5 });
  });

  it('puts a new face of an already split photo or group with it', () => {
    const faces: SplitFace[] = [
      { id: 'a', label: 'mask_old', photoId: 'p1', groupId: null, split: 'test' },
      { id: 'b', label: 'mask_young', photoId: 'p1', groupId: null, split: null },
      { id: 'c', label: 'nomask_old', photoId: 'p2', groupId: 'g', split: 'valid' },
      { id: 'd', label: 'nomask_old', photoId: 'p3', groupId: 'g', split: null },
    ];
    const out = assignSplits(faces);
    expect(out.get('b')).toBe('test');
    expect(out.get('d')).toBe('valid');
  });
});
