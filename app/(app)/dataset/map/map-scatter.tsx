'use client';

import { QueueJobButton } from '@/app/_components/queue-job-button';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { type PointerEvent, useMemo, useRef, useState } from 'react';
import { CLASS_COLORS, CLASS_NAMES, LABELS, type Label } from '@/lib/classes';
import type { MapFace } from '@/lib/dataset-map/db';
import { computeMapAction } from './actions';

const SIZE = 640;
const PAD = 12;
const MAX_OPEN = 200; // the ids filter's limit (lib/dataset/gallery.ts MAX_IDS)
const NONE = '#cbd5e1';

export function ComputeMapButton() {
  return (
    <QueueJobButton
      label="Compute the map"
      action={() => computeMapAction({})}
      queued="Queued: the worker computes the map (reload in a while)."
      already="A map is already being computed."
    />
  );
}

type Box = { x0: number; y0: number; x1: number; y1: number };
const px = (v: number) => PAD + v * (SIZE - 2 * PAD);
const py = (v: number) => SIZE - PAD - v * (SIZE - 2 * PAD);

/** The scatter: colour by label or by the model's suggestion; hover shows the face, click opens it, a dragged box selects. */
export function MapScatter({ faces, hasSuggestions, canLabel }: { faces: MapFace[]; hasSuggestions: boolean; canLabel: boolean }) {
  const router = useRouter();
  const svg = useRef<SVGSVGElement>(null);
  const [colour, setColour] = useState<'label' | 'suggestion'>('label');
  const [hover, setHover] = useState<MapFace | null>(null);
  const [box, setBox] = useState<Box | null>(null);
  const [selected, setSelected] = useState<string[]>([]);
  const colourOf = (f: MapFace) => {
    const l = colour === 'label' ? f.label : f.suggestion;
    return l ? (CLASS_COLORS[l as Label] ?? NONE) : NONE;
  };
  const counts = useMemo(() => {
    const c = new Map<string, number>();
    for (const f of faces) {
      const l = (colour === 'label' ? f.label : f.suggestion) ?? 'none';
      c.set(l, (c.get(l) ?? 0) + 1);
    }
    return c;
  }, [faces, colour]);
  const at = (e: PointerEvent) => {
    const r = svg.current!.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * SIZE, y: ((e.clientY - r.top) / r.height) * SIZE };
  };
  const onDown = (e: PointerEvent<SVGSVGElement>) => {
    if ((e.target as Element).tagName === 'circle') return;
    const p = at(e);
    svg.current!.setPointerCapture(e.pointerId);
    setBox({ x0: p.x, y0: p.y, x1: p.x, y1: p.y });
  };
  const onMove = (e: PointerEvent<SVGSVGElement>) => {
    if (!box) return;
    const p = at(e);
    setBox({ ...box, x1: p.x, y1: p.y });
  };
  const onUp = () => {
    if (!box) return;
    const [xa, xb] = [Math.min(box.x0, box.x1), Math.max(box.x0, box.x1)];
    const [ya, yb] = [Math.min(box.y0, box.y1), Math.max(box.y0, box.y1)];
    setBox(null);
    if (xb - xa < 3 && yb - ya < 3) return setSelected([]);
    setSelected(faces.filter((f) => px(f.x) >= xa && px(f.x) <= xb && py(f.y) >= ya && py(f.y) <= yb).map((f) => f.id));
  };
  const ids = selected.slice(0, MAX_OPEN).join(',');
  const legend = [...LABELS, 'none'] as const;
  return (
    <section className="card space-y-3" aria-labelledby="map-h">
      <div className="flex flex-wrap items-center gap-4">
        <h2 id="map-h" className="font-medium">
          Map
        </h2>
        <fieldset className="flex gap-3 text-sm">
          <legend className="sr-only">Colour by</legend>
          <label className="flex items-center gap-1">
            <input type="radio" name="colour" checked={colour === 'label'} onChange={() => setColour('label')} /> Label
          </label>
          <label className={`flex items-center gap-1 ${hasSuggestions ? '' : 'text-slate-400'}`}>
            <input type="radio" name="colour" checked={colour === 'suggestion'} disabled={!hasSuggestions} onChange={() => setColour('suggestion')} /> Model
            suggestion{hasSuggestions ? '' : ' (none yet)'}
          </label>
        </fieldset>
        <ul className="flex flex-wrap gap-3 text-xs text-slate-600" aria-label="Legend">
          {legend
            .filter((l) => counts.get(l))
            .map((l) => (
              <li key={l} className="flex items-center gap-1">
                <span className="h-3 w-3 rounded-full" style={{ background: l === 'none' ? NONE : CLASS_COLORS[l] }} aria-hidden />
                {l === 'none' ? (colour === 'label' ? 'unlabelled' : 'no suggestion') : CLASS_NAMES[l]} ({counts.get(l)})
              </li>
            ))}
        </ul>
      </div>
      <div className="relative max-w-[40rem]">
        <svg
          ref={svg}
          viewBox={`0 0 ${SIZE} ${SIZE}`}
          className="w-full touch-none select-none rounded border border-slate-200 bg-surface"
          role="img"
          aria-label={`Map of ${faces.length} faces`}
          data-testid="map-svg"
          onPointerDown={onDown}
          onPointerMove={onMove}
          onPointerUp={onUp}
          onPointerLeave={() => setHover(null)}
        >
          {faces.map((f) => (
            <circle
              key={f.id}
              cx={px(f.x)}
              cy={py(f.y)}
              r={f.outlier ? 5 : 3.5}
              fill={colourOf(f)}
              stroke={f.outlier ? '#0f172a' : selected.includes(f.id) ? '#4f46e5' : 'none'}
              strokeWidth={1.5}
              className="cursor-pointer"
              data-face-id={f.id}
              onPointerEnter={() => setHover(f)}
              onClick={() => router.push(`/faces/${f.id}`)}
            />
          ))}
          {box && (
            <rect
              x={Math.min(box.x0, box.x1)}
              y={Math.min(box.y0, box.y1)}
              width={Math.abs(box.x1 - box.x0)}
              height={Math.abs(box.y1 - box.y0)}
              fill="rgba(79,70,229,0.1)"
              stroke="#4f46e5"
            />
          )}
        </svg>
        {hover && (
          <div
            className="pointer-events-none absolute z-10 w-32 rounded bg-surface p-1 text-xs shadow-lg ring-1 ring-slate-200"
            style={{ left: `${Math.min(75, hover.x * 100)}%`, top: `${Math.min(75, (1 - hover.y) * 100)}%` }}
            data-testid="map-hover"
          >
            <img src={`/api/faces/${hover.id}/image`} alt="Face under the pointer" width={120} height={120} className="h-[120px] w-[120px] rounded object-cover" />
            <p>{hover.label ? (CLASS_NAMES[hover.label as Label] ?? hover.label) : 'unlabelled'}</p>
            {hover.suggestion && <p className="text-slate-500">model: {CLASS_NAMES[hover.suggestion as Label] ?? hover.suggestion}</p>}
          </div>
        )}
      </div>
      <div className="flex flex-wrap items-center gap-3 text-sm" aria-live="polite">
        {selected.length === 0 ? (
          <span className="text-slate-600">Drag a box on the map to select faces.</span>
        ) : (
          <>
            <span data-testid="map-selected">
              {selected.length} face{selected.length === 1 ? '' : 's'} selected{selected.length > MAX_OPEN ? ` (the first ${MAX_OPEN} open)` : ''}
            </span>
            <Link className="btn-secondary" href={`/gallery?ids=${ids}`}>
              Open in the gallery
            </Link>
            {canLabel && (
              <Link className="btn-secondary" href={`/label?view=grid&ids=${ids}`}>
                Open in the labelling grid
              </Link>
            )}
          </>
        )}
      </div>
    </section>
  );
}
