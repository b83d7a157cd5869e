'use client';
// The photo with its face boxes, editable by labellers: drag on the photo to add a missed face, drag a
// box to move it or a corner to resize it; with the keyboard, Tab to a box, arrows move it, Shift+arrows
// resize it, Delete removes it (after a confirmation); the x/y/w/h fields below do the same by numbers.
// Boxes are faces (the crop rule adds the margin on the server); changes go to the box API and the
// page is refreshed to show the new crops.
import { useRouter } from 'next/navigation';
import { type FormEvent, type KeyboardEvent, type PointerEvent, useEffect, useRef, useState } from 'react';

type Box = { x: number; y: number; w: number; h: number };
export type EditorFace = { id: string; index: number; label: string | null; wholeImage: boolean; crop: Box; face: Box };
type Corner = 'nw' | 'ne' | 'sw' | 'se';
type Drag =
  | { kind: 'draw'; start: { x: number; y: number }; box: Box }
  | { kind: 'move' | 'resize'; id: string; corner?: Corner; start: { x: number; y: number }; from: Box; box: Box };

const CORNERS: Corner[] = ['nw', 'ne', 'sw', 'se'];
const pct = (v: number, of: number) => `${(v / of) * 100}%`;
const round = (b: Box): Box => ({ x: Math.round(b.x), y: Math.round(b.y), w: Math.round(b.w), h: Math.round(b.h) });
const same = (a: Box, b: Box) => a.x === b.x && a.y === b.y && a.w === b.w && a.h === b.h;

async function send(url: string, method: string, body?: Box): Promise<string | null> {
  const res = await fetch(url, { method, headers: body ? { 'Content-Type': 'application/json' } : undefined, body: body ? JSON.stringify(body) : undefined });
  if (res.ok) return null;
  return ((await res.json().catch(() => ({}))) as { error?: string }).error ?? `HTTP ${res.status}`;
}

export function BoxEditor({
  photoId,
  width,
  height,
  alt,
  faces,
  canEdit,
  minPx,
}: {
  photoId: string;
  width: number;
  height: number;
  alt: string;
  faces: EditorFace[];
  canEdit: boolean;
  minPx: number;
}) {
  const router = useRouter();
  const overlay = useRef<HTMLDivElement>(null);
  const drag = useRef<Drag | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  // Unsaved positions, keyed by face id and crop version: a saved box comes back with a new version.
  const [drafts, setDrafts] = useState<Record<string, Box>>({});
  const [drawn, setDrawn] = useState<Box | null>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');
  const [error, setError] = useState<string | null>(null);
  const step = Math.max(1, Math.round(Math.max(width, height) / 100));

  const key = (f: EditorFace) => `${f.id}:${f.index}`;
  const boxOf = (f: EditorFace) => drafts[key(f)] ?? f.face;
  const sel = faces.find((f) => f.id === selected) ?? null;
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  useEffect(() => {
    if (selected && !faces.some((f) => f.id === selected)) setSelected(null);
  }, [faces, selected]);

  /** A box kept inside the photo and at least minPx a side. */
  function fit(b: Box): Box {
    const w = Math.min(width, Math.max(minPx, b.w));
    const h = Math.min(height, Math.max(minPx, b.h));
    return { x: Math.min(Math.max(0, b.x), width - w), y: Math.min(Math.max(0, b.y), height - h), w, h };
  }

  async function run(what: string, call: () => Promise<string | null>) {
    setBusy(true);
    setError(null);
    const err = await call();
    setBusy(false);
    if (err) {
      setError(err);
      setStatus('');
    } else {
      setStatus(what);
      router.refresh();
    }
    return err;
  }

  const add = (b: Box) => run('Face added: its crop is in the samples below.', () => send(`/api/photos/${photoId}/faces`, 'POST', round(b)));
  const save = (f: EditorFace, b: Box) => (same(round(b), f.face) ? Promise.resolve(null) : run(`Box of face #${f.index + 1} saved.`, () => send(`/api/faces/${f.id}`, 'PATCH', round(b))));
  async function remove(f: EditorFace) {
    const labelled = f.label ? ` It is labelled ${f.label}; its label history stays.` : '';
    if (!window.confirm(`Delete face #${f.index + 1}? Its crop goes, this cannot be undone.${labelled}`)) return;
    if (!(await run(`Face #${f.index + 1} deleted.`, () => send(`/api/faces/${f.id}`, 'DELETE')))) setSelected(null);
  }

  function point(e: PointerEvent): { x: number; y: number } {
    const r = overlay.current!.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * width, y: ((e.clientY - r.top) / r.height) * height };
  }

  function begin(e: PointerEvent<HTMLElement>, d: Drag) {
    if (!canEdit || busy || e.button !== 0) return;
    e.preventDefault();
    e.stopPropagation();
    overlay.current!.setPointerCapture(e.pointerId);
    drag.current = d;
  }

  function onMove(e: PointerEvent<HTMLDivElement>) {
    const d = drag.current;
    if (!d) return;
    const p = point(e);
    const dx = p.x - d.start.x;
    const dy = p.y - d.start.y;
    if (d.kind === 'draw') {
      d.box = { x: Math.max(0, Math.min(d.start.x, p.x)), y: Math.max(0, Math.min(d.start.y, p.y)), w: Math.abs(dx), h: Math.abs(dy) };
      d.box = { ...d.box, w: Math.min(d.box.w, width - d.box.x), h: Math.min(d.box.h, height - d.box.y) };
      setDrawn(d.box);
      return;
    }
    const f = d.from;
    if (d.kind === 'move') d.box = fit({ ...f, x: f.x + dx, y: f.y + dy });
    else {
      const left = d.corner!.includes('w');
      const top = d.corner!.startsWith('n');
      const x1 = left ? Math.min(f.x + dx, f.x + f.w - minPx) : f.x;
      const y1 = top ? Math.min(f.y + dy, f.y + f.h - minPx) : f.y;
      const x2 = left ? f.x + f.w : Math.max(f.x + f.w + dx, f.x + minPx);
      const y2 = top ? f.y + f.h : Math.max(f.y + f.h + dy, f.y + minPx);
      d.box = fit({ x: Math.max(0, x1), y: Math.max(0, y1), w: Math.min(width, x2) - Math.max(0, x1), h: Math.min(height, y2) - Math.max(0, y1) });
    }
    const face = faces.find((x) => x.id === d.id);
    if (face) setDrafts((s) => ({ ...s, [key(face)]: d.box }));
  }

  async function onUp() {
    const d = drag.current;
    drag.current = null;
    if (!d) return;
    if (d.kind === 'draw') {
      setDrawn(null);
      if (d.box.w < minPx || d.box.h < minPx) {
        setSelected(null); // a click on the photo
        if (d.box.w > 2 || d.box.h > 2) setError(`A face box must be at least ${minPx} px a side; drag a larger one.`);
        return;
      }
      await add(d.box);
      return;
    }
    const face = faces.find((x) => x.id === d.id);
    if (face) await save(face, d.box);
  }

  function onKey(e: KeyboardEvent<HTMLDivElement>, f: EditorFace) {
    if (!canEdit) return;
    if (e.key === 'Delete' || e.key === 'Backspace') {
      e.preventDefault();
      void remove(f);
      return;
    }
    if (e.key === 'Escape') {
      if (timer.current) clearTimeout(timer.current);
      setDrafts((s) => Object.fromEntries(Object.entries(s).filter(([k]) => k !== key(f))));
      setSelected(null);
      return;
    }
    const dir = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[e.key];
    if (!dir) return;
    e.preventDefault();
    setSelected(f.id);
    const s = e.altKey ? 1 : step;
    const b = boxOf(f);
    const next = e.shiftKey ? fit({ ...b, w: b.w + dir[0] * s, h: b.h + dir[1] * s }) : fit({ ...b, x: b.x + dir[0] * s, y: b.y + dir[1] * s });
    setDrafts((d) => ({ ...d, [key(f)]: next }));
    // Saved once the keys rest (every save cuts a new crop).
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void save(f, next), 700);
  }

  const label = (f: EditorFace) => `Face #${f.index + 1}${f.label ? `, ${f.label}` : ', unlabelled'}`;
  const stroke = 'shadow-[0_0_0_1px_rgba(0,0,0,0.6)]';

  return (
    <div className="space-y-3">
      <div className="relative mx-auto max-w-4xl touch-none select-none">
        <img src={`/api/photos/${photoId}/image`} alt={alt} className="block h-auto w-full" draggable={false} />
        <div
          ref={overlay}
          className={`absolute inset-0 ${canEdit ? 'cursor-crosshair' : 'pointer-events-none'}`}
          data-testid="face-boxes"
          onPointerDown={(e) => {
            if (e.target !== overlay.current) return;
            const p = point(e);
            begin(e, { kind: 'draw', start: p, box: { ...p, w: 0, h: 0 } });
          }}
          onPointerMove={onMove}
          onPointerUp={() => void onUp()}
          onPointerCancel={() => {
            drag.current = null;
            setDrawn(null);
          }}
        >
          {faces.map((f) => {
            const b = boxOf(f);
            const on = f.id === selected;
            return (
              <div key={f.id}>
                {/* the crop the rule cuts around the face */}
                <div
                  aria-hidden
                  className="pointer-events-none absolute border border-dashed border-white/70"
                  style={{ left: pct(f.crop.x, width), top: pct(f.crop.y, height), width: pct(f.crop.w, width), height: pct(f.crop.h, height) }}
                />
                <div
                  role={canEdit ? 'button' : 'img'}
                  tabIndex={canEdit ? 0 : undefined}
                  aria-pressed={canEdit ? on : undefined}
                  aria-label={`${label(f)}: box x ${Math.round(b.x)}, y ${Math.round(b.y)}, ${Math.round(b.w)} by ${Math.round(b.h)} px${canEdit ? '. Arrow keys move it, Shift+arrows resize it, Delete removes it' : ''}`}
                  data-testid="face-box"
                  data-face-id={f.id}
                  className={`absolute border-2 ${stroke} ${on ? 'border-amber-400' : 'border-indigo-500'} ${canEdit ? 'cursor-move focus:outline focus:outline-2 focus:outline-offset-2 focus:outline-amber-400' : ''}`}
                  style={{ left: pct(b.x, width), top: pct(b.y, height), width: pct(b.w, width), height: pct(b.h, height) }}
                  onFocus={() => canEdit && setSelected(f.id)}
                  onKeyDown={(e) => onKey(e, f)}
                  onPointerDown={(e) => {
                    setSelected(f.id);
                    begin(e, { kind: 'move', id: f.id, start: point(e), from: b, box: b });
                  }}
                >
                  <span className="absolute left-0.5 top-0 text-xs font-bold text-white [text-shadow:0_0_2px_#000]">{f.index + 1}</span>
                  {on &&
                    canEdit &&
                    CORNERS.map((c) => (
                      <span
                        key={c}
                        aria-hidden
                        data-handle={c}
                        className={`absolute h-3 w-3 border border-slate-900 bg-amber-300 ${c.startsWith('n') ? '-top-1.5' : '-bottom-1.5'} ${c.endsWith('w') ? '-left-1.5 cursor-nwse-resize' : '-right-1.5 cursor-nesw-resize'} ${c === 'ne' || c === 'sw' ? 'cursor-nesw-resize' : 'cursor-nwse-resize'}`}
                        onPointerDown={(e) => begin(e, { kind: 'resize', id: f.id, corner: c, start: point(e), from: b, box: b })}
                      />
                    ))}
                </div>
              </div>
            );
          })}
          {drawn && (
            <div
              aria-hidden
              data-testid="drawn-box"
              className="pointer-events-none absolute border-2 border-dashed border-amber-400"
              style={{ left: pct(drawn.x, width), top: pct(drawn.y, height), width: pct(drawn.w, width), height: pct(drawn.h, height) }}
            />
          )}
        </div>
      </div>
      <p className="text-center text-sm text-slate-500">
        {canEdit
          ? `Solid boxes are faces, dashed ones the crops cut around them. Drag on the photo to add a face the detector missed; drag a box or its corners to fix it. Keyboard: Tab to a box, arrows move it (Alt: 1 px), Shift+arrows resize it, Delete removes it.`
          : faces.some((f) => f.wholeImage)
            ? 'No separate face found: the whole photo is one sample.'
            : 'Face boxes (solid) and the crops cut around them (dashed).'}
      </p>
      <p role="status" aria-live="polite" className="text-sm text-emerald-700" data-testid="box-status">
        {busy ? 'Saving…' : status}
      </p>
      {error && (
        <p role="alert" className="alert-error">
          {error}
        </p>
      )}
      {canEdit && <NumericBox key={sel ? `${key(sel)}:${JSON.stringify(boxOf(sel))}` : 'new'} face={sel} box={sel ? boxOf(sel) : null} busy={busy} width={width} height={height} minPx={minPx} onAdd={add} onSave={save} onDelete={remove} onDeselect={() => setSelected(null)} />}
    </div>
  );
}

/** The keyboard and numbers fallback: the selected box's x/y/w/h, or a new box. */
function NumericBox({
  face,
  box,
  busy,
  width,
  height,
  minPx,
  onAdd,
  onSave,
  onDelete,
  onDeselect,
}: {
  face: EditorFace | null;
  box: Box | null;
  busy: boolean;
  width: number;
  height: number;
  minPx: number;
  onAdd: (b: Box) => Promise<unknown>;
  onSave: (f: EditorFace, b: Box) => Promise<unknown>;
  onDelete: (f: EditorFace) => Promise<unknown>;
  onDeselect: () => void;
}) {
  const start = box ? round(box) : { x: Math.round(width / 2 - 40), y: Math.round(height / 2 - 40), w: Math.min(80, width), h: Math.min(80, height) };
  const [v, setV] = useState<Record<keyof Box, string>>({ x: String(start.x), y: String(start.y), w: String(start.w), h: String(start.h) });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const b = { x: Number(v.x), y: Number(v.y), w: Number(v.w), h: Number(v.h) };
    void (face ? onSave(face, b) : onAdd(b));
  };
  const field = (k: keyof Box, name: string, max: number) => (
    <label className="label flex flex-col text-sm" key={k}>
      {name}
      <input
        className="input w-24"
        type="number"
        inputMode="numeric"
        name={k}
        min={k === 'w' || k === 'h' ? minPx : 0}
        max={max}
        step={1}
        required
        value={v[k]}
        onChange={(e) => setV((s) => ({ ...s, [k]: e.target.value }))}
      />
    </label>
  );
  return (
    <form onSubmit={submit} className="card flex flex-wrap items-end gap-3" aria-labelledby="box-form-title" data-testid="box-form">
      <h2 id="box-form-title" className="w-full font-medium">
        {face ? `Box of face #${face.index + 1} (pixels)` : 'Add a face by numbers (pixels)'}
      </h2>
      {field('x', 'x (left)', width)}
      {field('y', 'y (top)', height)}
      {field('w', 'Width', width)}
      {field('h', 'Height', height)}
      <button type="submit" className="btn-primary" disabled={busy}>
        {face ? 'Save box' : 'Add face'}
      </button>
      {face && (
        <>
          <button type="button" className="btn-danger" disabled={busy} onClick={() => void onDelete(face)}>
            Delete box
          </button>
          <button type="button" className="btn-secondary" onClick={onDeselect}>
            New box instead
          </button>
        </>
      )}
    </form>
  );
}
