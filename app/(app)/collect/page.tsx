import type { Metadata } from 'next';
import Link from 'next/link';
import { pageGuard } from '@/app/_server/guard';
import { config } from '@/lib/config';
import { CLASSES } from '@/lib/classes';
import { SUPPORTED_LABEL } from '@/lib/images/sniff';
import { Uploader } from './uploader';

export const metadata: Metadata = { title: 'Collect' };

export default async function CollectPage() {
  await pageGuard('labeler', '/collect');
  const cfg = config();
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-2xl font-semibold">Collect photos</h1>
        <Link href="/collect/camera" className="btn-secondary">
          Use the camera
        </Link>
      </div>
      <p className="text-slate-600">
        Add photos of people: every face found becomes a sample to label; a photo without a detectable face (or a tight face
        crop) becomes one whole-image sample. {SUPPORTED_LABEL}, up to {Math.round(cfg.maxUploadBytes / 1024 / 1024)} MB and{' '}
        {Math.round(cfg.maxPixels / 1e6)} megapixels each; folders and .zip archives (up to {Math.round(cfg.maxZipBytes / 1024 / 1024)} MB)
        are unpacked, zips in the background. The same file is stored only once.
      </p>
      <Uploader classes={[...CLASSES]} maxUploadBytes={cfg.maxUploadBytes} maxZipBytes={cfg.maxZipBytes} />
    </div>
  );
}
