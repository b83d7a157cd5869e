'use client';
// Face pictures: the crop, and the source photo with the face's box drawn over it.
// Images come from /api/faces/<id>/image and /api/photos/<id>/image.
import { useEffect, useRef, useState } from 'react';

/** A face's crop; with its version (Face.index, which a moved box changes) the browser may keep it for good. */
export const faceImageUrl = (id: string, version?: number) => `/api/faces/${id}/image${version === undefined ? '' : `?v=${version}`}`;
export const photoImageUrl = (id: string) => `/api/photos/${id}/image`;

type Box = { x: number; y: number; w: number; h: number };

function Img({ src, alt, className }: { src: string; alt: string; className?: string }) {
  const [broken, setBroken] = useState(false);
  const ref = useRef<HTMLImageElement>(null);
  useEffect(() => {
    // An image that failed before hydration fired its error event before React listened.
    const img = ref.current;
    if (img && img.complete && img.naturalWidth === 0) setBroken(true);
  }, [src]);
  if (broken) {
    return (
      <div className={`flex items-center justify-center bg-slate-100 p-2 text-center text-xs text-slate-500 ${className ?? ''}`} role="img" aria-label={alt}>
        image unavailable
      </div>
    );
  }
  return <img ref={ref} src={src} alt={alt} className={className} onError={() => setBroken(true)} draggable={false} />;
}

export function FaceCrop({ id, version, className, alt = 'Face' }: { id: string; version?: number; className?: string; alt?: string }) {
  return <Img key={`${id}:${version}`} src={faceImageUrl(id, version)} alt={alt} className={className} />;
}

/** The photo scaled to its container, the box placed in percent so it follows the displayed size. */
export function PhotoWithBox({ photoId, photo, box, className }: { photoId: string; photo: { width: number; height: number }; box: Box; className?: string }) {
  const pct = (v: number, of: number) => `${Math.max(0, Math.min(100, (v / of) * 100))}%`;
  return (
    <div className={`relative ${className ?? ''}`} style={{ aspectRatio: `${photo.width} / ${photo.height}` }}>
      <Img key={photoId} src={photoImageUrl(photoId)} alt="Source photo" className="absolute inset-0 h-full w-full object-contain" />
      <div
        aria-hidden
        data-testid="face-box"
        className="pointer-events-none absolute border-2 border-yellow-400 shadow-[0_0_0_1px_rgba(0,0,0,0.6)]"
        style={{ left: pct(box.x, photo.width), top: pct(box.y, photo.height), width: pct(box.w, photo.width), height: pct(box.h, photo.height) }}
      />
    </div>
  );
}

/** The label as a ClassBadge (kept under this name for the pages that use it). */
export { ClassBadge as LabelBadge } from './class-badge';
