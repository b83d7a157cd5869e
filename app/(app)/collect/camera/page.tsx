import type { Metadata } from 'next';
import { pageGuard } from '@/app/_server/guard';
import { CLASSES } from '@/lib/classes';
import { Camera } from './camera';

export const metadata: Metadata = { title: 'Camera' };

export default async function CameraPage() {
  await pageGuard('labeler', '/collect/camera');
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold">Capture with the camera</h1>
      <p className="text-slate-600">
        Pick the class of the people in front of the camera, then take single shots or hold the record button for a burst
        (about 2 frames a second). Every frame goes through the same pipeline as uploads.
      </p>
      <Camera classes={[...CLASSES]} />
    </div>
  );
}
