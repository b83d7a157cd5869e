import { describe, expect, it } from 'vitest';
import { classifyDue, FaceTracker, iou, smoothProbs } from '../../lib/inference/tracker';

const box = (x: number, y: number, w = 100, h = 100) => ({ x, y, w, h });

describe('FaceTracker', () => {
  it('keeps each face its id while the faces move from frame to frame', () => {
    const t = new FaceTracker();
    const first = t.update([box(0, 0), box(300, 0), box(600, 50)]);
    expect(first.added).toEqual([1, 2, 3]);
    // Every face moves 15 px a frame (right, down, left), in a shuffled detection order.
    for (let f = 1; f <= 10; f++) {
      const u = t.update([box(600 - 15 * f, 50), box(15 * f, 0), box(300, 15 * f)]);
      expect(u.added).toEqual([]);
      expect(u.dropped).toEqual([]);
      const byId = new Map(u.tracks.map((tr) => [tr.id, tr.det]));
      expect(byId.get(1)).toEqual(box(15 * f, 0));
      expect(byId.get(2)).toEqual(box(300, 15 * f));
      expect(byId.get(3)).toEqual(box(600 - 15 * f, 50));
    }
    expect(t.current.map((tr) => tr.hits)).toEqual([11, 11, 11]);
  });

  it('gives a face that appears a new id, never one used before', () => {
    const t = new FaceTracker({ maxMissed: 1 });
    t.update([box(0, 0)]);
    const u = t.update([box(5, 0), box(400, 0)]);
    expect(u.added).toEqual([2]);
    expect(u.tracks.map((tr) => tr.id)).toEqual([1, 2]);
    // Face 1 leaves (dropped at once with maxMissed 1), a face appears where it was: id 3, not 1.
    t.update([box(400, 0)]);
    const back = t.update([box(5, 0), box(400, 0)]);
    expect(back.added).toEqual([3]);
  });

  it('does not continue a track with a detection that barely overlaps it', () => {
    const t = new FaceTracker();
    t.update([box(0, 0)]);
    const u = t.update([box(80, 0)]); // IoU 20/180 = 0.11
    expect(u.added).toEqual([2]);
    expect(u.tracks.find((tr) => tr.id === 1)?.missed).toBe(1);
  });

  it('keeps a missed face for a few frames, then drops it', () => {
    const t = new FaceTracker({ maxMissed: 3 });
    t.update([box(0, 0), box(300, 0)]);
    let u = t.update([box(300, 0)]);
    expect(u.tracks.map((tr) => [tr.id, tr.missed])).toEqual([
      [1, 1],
      [2, 0],
    ]);
    expect(u.tracks[0].det).toEqual(box(0, 0)); // shown where it was last seen
    u = t.update([box(300, 0)]);
    expect(u.dropped).toEqual([]);
    u = t.update([box(300, 0)]);
    expect(u.dropped).toEqual([1]);
    expect(u.tracks.map((tr) => tr.id)).toEqual([2]);
  });

  it('keeps faces looked for less often (small ones) longer when told so', () => {
    const t = new FaceTracker({ maxMissed: 2, maxMissedFor: (b) => (b.w < 50 ? 6 : 2) });
    t.update([box(0, 0, 40, 40), box(300, 0)]);
    const dropped: number[] = [];
    for (let f = 0; f < 5; f++) dropped.push(...t.update([]).dropped);
    expect(dropped).toEqual([2]);
    expect(t.update([]).dropped).toEqual([1]);
  });

  it('a face missed for a frame or two keeps its id when it is detected again', () => {
    const t = new FaceTracker({ maxMissed: 3 });
    t.update([box(0, 0)]);
    t.update([]);
    t.update([]);
    const u = t.update([box(10, 0)]);
    expect(u.added).toEqual([]);
    expect(u.tracks).toEqual([{ id: 1, det: box(10, 0), missed: 0, hits: 2 }]);
  });

  it('matches the closest pairs first when two faces are near each other', () => {
    const t = new FaceTracker();
    t.update([box(0, 0), box(60, 0)]);
    const u = t.update([box(65, 0), box(2, 0)]);
    expect(u.tracks.map((tr) => [tr.id, tr.det.x])).toEqual([
      [1, 2],
      [2, 65],
    ]);
  });
});

describe('classification policy', () => {
  it('classifies a new face at once, a fresh one not, a stale or moved one again', () => {
    const b = box(0, 0);
    expect(classifyDue(undefined, b, 0)).toBe(Infinity);
    expect(classifyDue({ at: 1000, box: b }, b, 1100)).toBeLessThanOrEqual(0);
    expect(classifyDue({ at: 1000, box: b }, b, 1250)).toBeGreaterThan(0);
    // Moved by half its width (IoU 0.33): due now, and ahead of a face that is merely stale.
    const moved = classifyDue({ at: 1000, box: b }, box(50, 0), 1050);
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeGreaterThan(classifyDue({ at: 1000, box: b }, b, 1220));
  });

  it('smooths probabilities over time and keeps their sum', () => {
    expect(smoothProbs(null, [0.1, 0.9], 50)).toEqual([0.1, 0.9]);
    const s = smoothProbs([1, 0], [0, 1], 400, 400);
    expect(s[1]).toBeCloseTo(1 - Math.exp(-1), 6);
    expect(s[0] + s[1]).toBeCloseTo(1, 9);
    // A longer gap trusts the new result more.
    expect(smoothProbs([1, 0], [0, 1], 1000)[1]).toBeGreaterThan(smoothProbs([1, 0], [0, 1], 100)[1]);
  });

  it('iou', () => {
    expect(iou(box(0, 0), box(0, 0))).toBe(1);
    expect(iou(box(0, 0), box(100, 0))).toBe(0);
    expect(iou(box(0, 0), box(50, 0))).toBeCloseTo(1 / 3, 9);
  });
});
