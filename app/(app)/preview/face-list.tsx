'use client';
// How classified faces are shown: boxes drawn on a canvas, and the same results as a list.
import type { FaceResult } from '@/lib/inference/classify';
import { classColour, className } from './engine';

const pct = (p: number) => `${Math.round(p * 100)}%`;

/** Draws each face's box and "class confidence" label in its class colour. */
export function drawFaces(ctx: CanvasRenderingContext2D, faces: FaceResult[]) {
  const scale = Math.max(1, ctx.canvas.width / 640);
  ctx.lineWidth = 3 * scale;
  ctx.font = `${Math.round(14 * scale)}px ui-sans-serif, system-ui, sans-serif`;
  ctx.textBaseline = 'bottom';
  for (const f of faces) {
    const colour = classColour(f.label);
    const { x, y, w, h } = f.box;
    ctx.strokeStyle = colour;
    ctx.strokeRect(x, y, w, h);
    const text = `${className(f.label)} ${pct(f.confidence)}`;
    const tw = ctx.measureText(text).width + 8 * scale;
    const th = 18 * scale;
    const ty = y >= th ? y : y + th;
    ctx.fillStyle = colour;
    ctx.fillRect(x, ty - th, tw, th);
    ctx.fillStyle = '#fff';
    ctx.fillText(text, x + 4 * scale, ty - 2 * scale);
  }
}

export function FaceList({ faces, live }: { faces: FaceResult[]; live: boolean }) {
  if (faces.length === 0) return <p className="text-sm text-slate-600">No face yet.</p>;
  return (
    <ol className="space-y-2" aria-live={live ? 'polite' : 'off'} aria-label="Faces">
      {faces.map((f, i) => (
        <li
          key={i}
          data-testid="face-result"
          data-label={f.label}
          data-probs={JSON.stringify(f.probs)}
          data-whole-image={String(f.wholeImage)}
          className="rounded-md border border-slate-200 bg-white p-2 text-sm"
        >
          <div className="flex items-center gap-2">
            <span aria-hidden className="inline-block h-3 w-3 rounded-sm" style={{ background: classColour(f.label) }} />
            <span className="font-medium">
              Face {i + 1}: {className(f.label)}
            </span>
            <span className="ml-auto tabular-nums text-slate-600">{pct(f.confidence)}</span>
          </div>
          <div className="mt-1 text-xs text-slate-500">
            {f.wholeImage ? 'whole image' : `box ${Math.round(f.box.w)}×${Math.round(f.box.h)} at ${Math.round(f.box.x)},${Math.round(f.box.y)}`}
            {' · '}
            {Object.entries(f.probs)
              .map(([c, p]) => `${className(c)} ${pct(p)}`)
              .join(' · ')}
          </div>
        </li>
      ))}
    </ol>
  );
}
