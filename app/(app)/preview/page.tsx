import type { Metadata } from 'next';
import { pageGuard } from '@/app/_server/guard';
import { may } from '@/lib/auth/policy';
import { Preview } from './preview';

export const metadata: Metadata = { title: 'Preview' };

export default async function PreviewPage() {
  const actor = await pageGuard('viewer', '/preview');
  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-2xl font-semibold">Live preview</h1>
        <p className="mt-1 text-slate-600">
          Every face in the camera image, or in a photo you drop here, classified in your browser by the promoted model. Nothing
          leaves your device{may.label(actor) ? ' unless you capture a frame into the dataset (C)' : ''}.
        </p>
      </div>
      <Preview canCapture={may.label(actor)} />
    </div>
  );
}
