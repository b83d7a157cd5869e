'use client';
// The live preview: every face in the webcam stream (or in a dropped photo) classified in the browser by
// the promoted model (`usePromotedModel` polls /api/models/promoted, so a newly promoted model is picked up
// without a reload). Camera and photo modes are their own panels.
import Link from 'next/link';
import { useState } from 'react';
import { CameraPanel } from './camera-panel';
import { PhotoPanel } from './photo-panel';
import { usePromotedModel } from './use-promoted-model';

type Mode = 'camera' | 'photo';

export function Preview({ canCapture }: { canCapture: boolean }) {
  const { info, error, engine, engineStatus, models, modelsRef } = usePromotedModel();
  const [mode, setMode] = useState<Mode>('camera');

  if (error) return <p className="alert-error" role="alert">{error}</p>;
  if (!info) return <p className="text-slate-600">Asking which model is promoted…</p>;
  if (!info.model) {
    return (
      <div className="alert-error" role="status" data-testid="no-model">
        No model is promoted yet. Train one and promote it on the <Link href="/training" className="underline">Training</Link> page;
        this page picks it up by itself.
      </div>
    );
  }
  if (!info.model.compatible) {
    return (
      <div className="alert-error" role="status">
        The promoted model ({info.model.runId}) was trained on backbone {info.model.meta.backbone}, but this app computes{' '}
        {info.backboneId}. Retrain and promote a model on the <Link href="/training" className="underline">Training</Link> page.
      </div>
    );
  }

  const tabClass = (m: Mode) => (mode === m ? 'btn-primary' : 'btn-secondary');
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3 text-sm text-slate-600">
        <div role="group" aria-label="Source" className="flex gap-2">
          <button type="button" className={tabClass('camera')} aria-pressed={mode === 'camera'} onClick={() => setMode('camera')}>
            Camera
          </button>
          <button type="button" className={tabClass('photo')} aria-pressed={mode === 'photo'} onClick={() => setMode('photo')}>
            Photo
          </button>
        </div>
        <span>
          Model <code data-testid="model-run">{models?.meta.runId ?? info.model.runId}</code>
          {models && models.meta.runId !== info.model.runId ? ' (loading the newly promoted model…)' : ''}
        </span>
        <span data-testid="backend" data-backend={engine?.backend ?? ''} title={engine?.reason}>
          Backend: {engine ? `${engine.backend} (${engine.reason})` : engineStatus || 'choosing…'}
        </span>
        {!models && <span role="status">Loading the models…</span>}
      </div>
      {mode === 'camera' ? (
        <CameraPanel
          tf={engine?.tf ?? null}
          backend={engine?.backend ?? ''}
          files={info.files}
          promoted={info.model}
          models={models}
          modelsRef={modelsRef}
          canCapture={canCapture}
        />
      ) : (
        <PhotoPanel tf={engine?.tf ?? null} models={models} />
      )}
    </div>
  );
}
