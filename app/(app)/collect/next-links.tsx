// Where to go after photos came in (Collect and the camera page): label the new faces, or see them.
import Link from 'next/link';

export function AfterUploadLinks({ faces, galleryText }: { faces: number; galleryText: string }) {
  return (
    <>
      {' · '}
      {faces > 0 && (
        <>
          <Link className="font-medium underline" href="/label">
            Label them now
          </Link>
          {' · '}
        </>
      )}
      <Link className="underline" href="/gallery">
        {galleryText}
      </Link>
    </>
  );
}
