'use client';
// How classified faces are shown: boxes drawn on a canvas, the same results as a list, the legend and the
// count of faces per class in view.
import type { FaceResult } from '@/lib/inference/classify';
import { classColour, className } from './engine';

const pct = (p: number) => `${Math.round(p * 100)}%`;

/**
 * A face whose most probable class has less than this probability is "unsure": outlined dashed, with the word.
 * 0.6: the head's top probability on faces it gets wrong is mostly under it (its correct answers mostly above).
 */
export const UNSURE_BELOW = 0.6;

/** A face as shown: a photo's result, or a tracked camera face (`track`: its id; `refreshes`: classifications). */
export type ShownFace = Pick<FaceResult, 'box' | 'wholeImage' | 'probs' | 'label' | 'confidence'> & { track?: number; refreshes?: number };

/** Not classified yet (a camera face just found). */
const pending = (f: ShownFace) => f.label === '';
export const isUnsure = (f: ShownFace) => !pending(f) && f.confidence < UNSURE_BELOW;

/** Draws each face's box and "class confidence" label in its class colour; unsure faces dashed. */
export function drawFaces(ctx: CanvasRenderingContext2D, faces: readonly ShownFace[]) {
  const scale = Math.max(1, ctx.canvas.width / 640);
  ctx.lineWidth = 3 * scale;
  ctx.font = `${Math.round(14 * scale)}px ui-sans-serif, system-ui, sans-serif`;
  ctx.textBaseline = 'bottom';
  for (const f of faces) {
    const colour = pending(f) ? '#94a3b8' : classColour(f.label);
    const unsure = isUnsure(f);
    const { x, y, w, h } = f.box;
    ctx.strokeStyle = colour;
    ctx.setLineDash(unsure || pending(f) ? [8 * scale, 6 * scale] : []);
    ctx.strokeRect(x, y, w, h);
    ctx.setLineDash([]);
    const text = pending(f) ? '…' : `${unsure ? 'unsure: ' : ''}${className(f.label)} ${pct(f.confidence)}`;
    const tw = ctx.measureText(text).width + 8 * scale;
    const th = 18 * scale;
    const ty = y >= th ? y : y + th;
    ctx.fillStyle = unsure ? '#fff' : colour;
    ctx.fillRect(x, ty - th, tw, th);
    if (unsure) {
      ctx.strokeStyle = colour;
      ctx.lineWidth = 1.5 * scale;
      ctx.strokeRect(x, ty - th, tw, th);
      ctx.lineWidth = 3 * scale;
    }
    ctx.fillStyle = unsure ? '#0f172a' : '#fff';
    ctx.fillText(text, x + 4 * scale, ty - 2 * scale);
  }
}

export function FaceList({ faces, live }: { faces: readonly ShownFace[]; live: boolean }) {
  if (faces.length === 0) return <p className="text-sm text-slate-600">No face yet.</p>;
  return (
    <ol className="space-y-2" aria-live={live ? 'polite' : 'off'} aria-label="Faces">
      {faces.map((f, i) => (
        <li
          key={f.track ?? i}
          data-testid="face-result"
          data-label={f.label}
          data-probs={JSON.stringify(f.probs)}
          data-whole-image={String(f.wholeImage)}
          data-unsure={String(isUnsure(f))}
          {...(f.track !== undefined ? { 'data-track': f.track, 'data-refreshes': f.refreshes ?? 0 } : {})}
          className="rounded-md border border-slate-200 bg-surface p-2 text-sm text-slate-900"
        >
          <div className="flex items-center gap-2">
            <span
              aria-hidden
              className={`inline-block h-3 w-3 rounded-sm ${isUnsure(f) ? 'border-2 border-dashed' : ''}`}
              style={isUnsure(f) ? { borderColor: classColour(f.label) } : { background: pending(f) ? '#94a3b8' : classColour(f.label) }}
            />
            <span className="font-medium">
              Face {f.track ?? i + 1}: {pending(f) ? 'classifying…' : className(f.label)}
              {isUnsure(f) && <span className="ml-1 font-normal text-slate-600">(unsure)</span>}
            </span>
            {!pending(f) && <span className="ml-auto tabular-nums text-slate-600">{pct(f.confidence)}</span>}
          </div>
          <div className="mt-1 text-xs text-slate-500">
            {f.wholeImage ? 'whole image' : `box ${Math.round(f.box.w)}×${Math.round(f.box.h)} at ${Math.round(f.box.x)},${Math.round(f.box.y)}`}
            {Object.entries(f.probs).map(([c, p]) => ` · ${className(c)} ${pct(p)}`)}
          </div>
        </li>
      ))}
    </ol>
  );
}

/** The classes in their colours with how many faces of each are in view, and what a dashed outline means. */
export function Legend({ classes, faces, large = false }: { classes: readonly string[]; faces: readonly ShownFace[]; large?: boolean }) {
  const unsure = faces.filter(isUnsure).length;
  return (
    <ul
      className={`flex flex-wrap items-center gap-y-1 ${large ? 'gap-x-8 text-2xl' : 'gap-x-4 text-sm'}`}
      aria-label="Classes in view"
      data-testid="legend"
    >
      {classes.map((c) => {
        const n = faces.filter((f) => f.label === c).length;
        return (
          <li key={c} className="flex items-center gap-1.5" data-testid="class-count" data-class={c} data-count={n}>
            <span aria-hidden className={`inline-block rounded-sm ${large ? 'h-5 w-5' : 'h-3 w-3'}`} style={{ background: classColour(c) }} />
            <span>{className(c)}</span>
            <span className="font-semibold tabular-nums">{n}</span>
          </li>
        );
      })}
      <li className="flex items-center gap-1.5" data-testid="unsure-count" data-count={unsure}>
        <span aria-hidden className={`inline-block rounded-sm border-2 border-dashed border-slate-500 ${large ? 'h-5 w-5' : 'h-3 w-3'}`} />
        <span>unsure (under {pct(UNSURE_BELOW)})</span>
        <span className="font-semibold tabular-nums">{unsure}</span>
      </li>
    </ul>
  );
}
