// The face filter form and pager shared by the gallery and the labelling grid: one set of
// URL parameters (lib/dataset/gallery.ts `faceFilterSchema`), plain GET forms and links.
import Link from 'next/link';
import type { ReactNode } from 'react';
import { CLASS_NAMES, CLASSES, EXCLUDED } from '@/lib/classes';
import type { FaceFilter } from '@/lib/dataset/gallery';
import { SelectField } from './fields';

const LABEL_OPTIONS = [
  { value: '', label: 'Any' },
  { value: 'unlabelled', label: 'Unlabelled' },
  { value: 'labelled', label: 'Labelled (any class or excluded)' },
  ...CLASSES.map((c) => ({ value: c, label: CLASS_NAMES[c] })),
  { value: EXCLUDED, label: CLASS_NAMES[EXCLUDED] },
];

const SUGGESTED_OPTIONS = [{ value: '', label: 'Any (or none)' }, ...CLASSES.map((c) => ({ value: c, label: CLASS_NAMES[c] }))];

const WHOLE_OPTIONS = [
  { value: '', label: 'Detected faces and whole images' },
  { value: 'no', label: 'Detected faces only' },
  { value: 'yes', label: 'Whole-image samples only' },
];

export function FaceFilterForm({ action, filter, people, hidden = {}, before, idPrefix }: {
  action: string;
  filter: FaceFilter;
  people: { id: string; email: string; name: string | null; photos: number }[];
  /** Parameters kept as they are (the page's view, say). */
  hidden?: Record<string, string>;
  /** Extra fields in front of the common ones. */
  before?: ReactNode;
  idPrefix: string;
}) {
  return (
    <form method="get" action={action} className="card flex flex-wrap items-end gap-3" aria-label="Filters">
      {Object.entries(hidden).map(([k, v]) => (
        <input key={k} type="hidden" name={k} value={v} />
      ))}
      {before}
      <SelectField id={`${idPrefix}-label`} name="label" label="Label" defaultValue={filter.label} options={LABEL_OPTIONS} />
      <SelectField
        id={`${idPrefix}-uploader`}
        name="uploader"
        label="Uploader"
        defaultValue={filter.uploader}
        options={[{ value: '', label: 'Anyone' }, ...people.map((u) => ({ value: u.id, label: `${u.name || u.email} (${u.photos})` }))]}
      />
      <SelectField id={`${idPrefix}-whole`} name="whole" label="Samples" defaultValue={filter.whole} options={WHOLE_OPTIONS} />
      <SelectField id={`${idPrefix}-suggested`} name="suggested" label="Model suggests" defaultValue={filter.suggested} options={SUGGESTED_OPTIONS} />
      <div>
        <label htmlFor={`${idPrefix}-confMin`} className="label">
          Confidence from (%)
        </label>
        <input id={`${idPrefix}-confMin`} name="confMin" type="number" min={0} max={100} step={1} className="input w-24" defaultValue={filter.confMin ?? ''} />
      </div>
      <div>
        <label htmlFor={`${idPrefix}-confMax`} className="label">
          to (%)
        </label>
        <input id={`${idPrefix}-confMax`} name="confMax" type="number" min={0} max={100} step={1} className="input w-24" defaultValue={filter.confMax ?? ''} />
      </div>
      <button type="submit" className="btn-primary">
        Apply
      </button>
      <Link href={Object.keys(hidden).length ? `${action}?${new URLSearchParams(hidden)}` : action} className="btn-secondary">
        Reset
      </Link>
    </form>
  );
}

export function Pager({ page, pages, summary, href }: { page: number; pages: number; summary: ReactNode; href: (page: number) => string }) {
  return (
    <nav aria-label="Pages" className="flex flex-wrap items-center gap-3 text-sm">
      {summary}
      {page > 1 && (
        <Link className="btn-secondary" href={href(page - 1)} rel="prev">
          ← Previous
        </Link>
      )}
      <span>
        Page {Math.min(page, pages)} of {pages}
      </span>
      {page < pages && (
        <Link className="btn-secondary" href={href(page + 1)} rel="next">
          Next →
        </Link>
      )}
    </nav>
  );
}
