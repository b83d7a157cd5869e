import type { Metadata } from 'next';
import Link from 'next/link';
import { pageGuard } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { may } from '@/lib/auth/policy';
import { readDatasetMap } from '@/lib/dataset-map/db';
import { FaceCrop, LabelBadge } from '@/app/_components/faces';
import { LiveRefresh } from '@/app/_components/live-refresh';
import { ComputeMapButton, MapScatter } from './map-scatter';

export const metadata: Metadata = { title: 'Dataset map' };

export default async function DatasetMapPage() {
  const actor = await pageGuard('viewer', '/dataset/map');
  const map = await readDatasetMap(db(), actor);
  const outliers = map ? map.faces.filter((f) => f.outlier).sort((a, b) => b.distance - a.distance) : [];
  const hasSuggestions = !!map?.faces.some((f) => f.suggestion);
  const computing = !!map?.job && ['queued', 'running'].includes(map.job.status);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Dataset map</h1>
      <LiveRefresh active={computing} />
      <section className="card space-y-2 text-sm text-slate-700" aria-labelledby="map-how">
        <h2 id="map-how" className="font-medium">
          What it shows
        </h2>
        <p>
          Every face placed by its backbone features (PCA to 32 dimensions, then UMAP to 2): faces that look alike lie close together. Hover a point to
          see the face, click it to open it, drag a box to open the faces inside it in the gallery.
        </p>
        <p data-testid="map-status">
          {!map
            ? 'No map computed yet.'
            : computing
              ? `A new map is being computed (${map.job!.status}): it appears here when it is ready.`
              : map.job?.status === 'failed'
                ? `The last computation failed: ${map.job.error ?? 'unknown error'}.`
                : ''}{' '}
          {map &&
            map.faces.length > 0 &&
            `${map.sampled ? `${map.faces.length} of ${map.mapped} faces (a sample, and every possible outlier)` : `${map.faces.length} faces`}, computed ${map.createdAt.toISOString().replace('T', ' ').slice(0, 16)} UTC${map.facesNow !== map.mapped ? ` (${map.facesNow} faces now: recompute to include new ones)` : ''}.`}
        </p>
        {may.manageModels(actor) && <ComputeMapButton />}
      </section>
      {map && map.faces.length > 0 && (
        <>
          <MapScatter faces={map.faces} hasSuggestions={hasSuggestions} canLabel={may.label(actor)} />
          <section className="card space-y-2" aria-labelledby="outliers">
            <h2 id="outliers" className="font-medium">
              Possible non-faces or outliers ({outliers.length})
            </h2>
            <p className="text-sm text-slate-600">
              Faces much farther from their nearest labelled faces than labelled faces are from each other (mean distance to the 5 nearest above the
              labelled faces&apos; Q3 + 3·IQR{map.fence !== null ? ` = ${map.fence.toFixed(3)}` : ''}).
            </p>
            {outliers.length === 0 ? (
              <p className="text-sm text-slate-600">None.</p>
            ) : (
              <ul className="flex flex-wrap gap-3" data-testid="map-outliers">
                {outliers.slice(0, 60).map((f) => (
                  <li key={f.id} className="w-28 space-y-1 text-xs text-slate-600">
                    <Link href={`/faces/${f.id}`} aria-label={`Open outlier face (distance ${f.distance.toFixed(3)})`}>
                      <FaceCrop id={f.id} className="h-28 w-28 rounded bg-slate-100 object-cover" />
                    </Link>
                    <LabelBadge label={f.label} /> <span>{f.distance.toFixed(3)}</span>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </div>
  );
}
