/**
 * Face tracking for the live preview: faces are detected on every camera frame, and each detection is matched
 * to a face seen on the frames before by box overlap (IoU), so a face keeps its id while it moves, and its
 * class is computed again only when needed (`classifyDue`) and smoothed over time (`smoothProbs`).
 *
 * Matching is greedy: the pairs (track, detection) are taken in order of decreasing IoU, each track and each
 * detection at most once, pairs under `minIou` never. An unmatched detection starts a new track with a new id
 * (ids are never reused); a track without a detection keeps its last box and is dropped after `maxMissed`
 * frames in a row without one (a face that leaves the picture, or one the detector missed for a moment).
 *
 * Pure and browser-safe (no TF.js, no DOM): the preview (app/(app)/preview/camera-panel.tsx) and its unit test
 * (tests/unit/tracker.test.ts) drive it with plain boxes.
 */
import type { Box } from './preprocess';

/** Intersection over union of two boxes (0 when they do not overlap). */
export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  return inter > 0 ? inter / (a.w * a.h + b.w * b.h - inter) : 0;
}

export interface TrackerOptions {
  /** Least IoU for a detection to continue a track. Default 0.3 (a face moving a third of its width per frame). */
  minIou: number;
  /** A track is dropped after this many frames in a row without a matching detection. Default 5. */
  maxMissed: number;
  /**
   * The same for a track by its last box, when some faces are looked for less often than every frame (the
   * preview finds small faces in image tiles scanned in turn, so it keeps them for a whole round of tiles).
   */
  maxMissedFor?: (det: Box) => number;
}

export const TRACKER_DEFAULTS: Readonly<Omit<TrackerOptions, 'maxMissedFor'>> = Object.freeze({ minIou: 0.3, maxMissed: 5 });

export interface Track<D extends Box = Box> {
  /** Unique for the tracker's lifetime, from 1. */
  id: number;
  /** The last matched detection (kept while the face is missed). */
  det: D;
  /** Frames in a row without a matching detection (0: seen on the last frame). */
  missed: number;
  /** Frames the face was seen on. */
  hits: number;
}

export interface TrackerUpdate<D extends Box = Box> {
  /** Every live track after the frame (seen now or missed fewer than `maxMissed` frames), oldest first. */
  tracks: Track<D>[];
  /** Ids of the tracks started on this frame. */
  added: number[];
  /** Ids of the tracks dropped on this frame. */
  dropped: number[];
}

export class FaceTracker<D extends Box = Box> {
  private readonly opts: TrackerOptions;
  private tracks: Track<D>[] = [];
  private nextId = 1;

  constructor(opts: Partial<TrackerOptions> = {}) {
    this.opts = { ...TRACKER_DEFAULTS, ...opts };
  }

  /** The live tracks, oldest first. */
  get current(): readonly Track<D>[] {
    return this.tracks;
  }

  /** One frame's detections: matches them to the tracks, starts new ones and drops those gone too long. */
  update(detections: readonly D[]): TrackerUpdate<D> {
    const pairs: { t: number; d: number; iou: number }[] = [];
    this.tracks.forEach((track, t) =>
      detections.forEach((det, d) => {
        const o = iou(track.det, det);
        if (o >= this.opts.minIou) pairs.push({ t, d, iou: o });
      }),
    );
    pairs.sort((a, b) => b.iou - a.iou);
    const trackTaken = new Set<number>();
    const detTaken = new Set<number>();
    for (const p of pairs) {
      if (trackTaken.has(p.t) || detTaken.has(p.d)) continue;
      trackTaken.add(p.t);
      detTaken.add(p.d);
      const track = this.tracks[p.t];
      track.det = detections[p.d];
      track.missed = 0;
      track.hits++;
    }
    const dropped: number[] = [];
    this.tracks = this.tracks.filter((track, t) => {
      if (trackTaken.has(t)) return true;
      track.missed++;
      if (track.missed < (this.opts.maxMissedFor?.(track.det) ?? this.opts.maxMissed)) return true;
      dropped.push(track.id);
      return false;
    });
    const added: number[] = [];
    detections.forEach((det, d) => {
      if (detTaken.has(d)) return;
      const track = { id: this.nextId++, det, missed: 0, hits: 1 };
      this.tracks.push(track);
      added.push(track.id);
    });
    return { tracks: [...this.tracks], added, dropped };
  }

  /** Forgets every track (the camera stopped); ids keep counting up. */
  reset(): void {
    this.tracks = [];
  }
}

export interface ClassifyPolicy {
  /** A face's class is computed again once its last result is this old (ms). Default 200 (5 times a second). */
  refreshMs: number;
  /** ... or at once when its box overlaps the box it was classified at by less than this IoU. Default 0.5. */
  movedIou: number;
}

export const CLASSIFY_POLICY: Readonly<ClassifyPolicy> = Object.freeze({ refreshMs: 200, movedIou: 0.5 });

/** When a face was last classified, and on which box. */
export interface Classified {
  at: number;
  box: Box;
}

/**
 * How overdue a tracked face's classification is: Infinity for a face never classified, a positive number
 * (how much) when it moved or changed much since its last result or that result is older than `refreshMs`,
 * and 0 or less when its result is fresh. The preview classifies the most overdue face first.
 */
export function classifyDue(last: Classified | undefined, box: Box, now: number, policy: ClassifyPolicy = CLASSIFY_POLICY): number {
  if (!last) return Infinity;
  const age = now - last.at;
  if (iou(last.box, box) < policy.movedIou) return Math.max(age, 1) + policy.refreshMs;
  return age - policy.refreshMs;
}

/**
 * Exponential moving average of class probabilities over time: the new result weighs 1 - exp(-dt / tauMs),
 * so results a time constant apart count about 63% (the first result, `prev` null, is taken as is). The sum
 * stays 1 when both inputs sum to 1.
 */
export function smoothProbs(prev: readonly number[] | null, next: readonly number[], dtMs: number, tauMs = 400): number[] {
  if (!prev || prev.length !== next.length) return [...next];
  const a = 1 - Math.exp(-Math.max(0, dtMs) / tauMs);
  return next.map((v, i) => prev[i] + a * (v - prev[i]));
}
