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

/** The backend in words: "wasm (1 thread)" → "this computer's processor (WebAssembly)". */
const engineName = (backend: string) => (backend.startsWith('webgl') ? 'the graphics card (WebGL)' : backend.startsWith('wasm') ? "this computer's processor (WebAssembly)" : backend);

export function Preview({ canCapture }: { canCapture: boolean }) {
  const { info, error, engine, engineStatus, models, modelsRef } = usePromotedModel();
  const [mode, setMode] = useState<Mode>('camera');

  if (error) return <p className="alert-error" role="alert">{error}</p>;
  if (!info) return <p className="text-slate-600">Asking which model is promoted…</p>;
  if (!info.model) {
    return (
      <div className="alert-warning" role="status" data-testid="no-model">
        No model is promoted yet. Train one and promote it on the <Link href="/training" className="underline">Training</Link> page;
        this page picks it up by itself.
      </div>
    );
  }
  if (!info.model.compatible) {
    return (
      <div className="alert-error" role="status">
        The promoted model ({info.model.title}) was trained on other face features than this app computes. Retrain and promote a model on
        the <Link href="/training" className="underline">Training</Link> page.
        <details className="mt-1">
          <summary className="cursor-pointer">Details</summary>
          Model {info.model.runId}, backbone <code className="break-all">{info.model.meta.backbone}</code>; this app: <code className="break-all">{info.backboneId}</code>.
        </details>
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
        <span data-testid="model-title">
          Model: <strong>{info.model.title}</strong>
          {models && models.meta.runId !== info.model.runId ? ' (loading the newly promoted model…)' : ''}
        </span>
        <span>Runs on: {engine ? engineName(engine.backend) : engineStatus || 'choosing…'}</span>
        {!models && <span role="status">Loading the models…</span>}
        <details className="w-full" data-testid="preview-details">
          <summary className="cursor-pointer">Details</summary>
          <dl className="mt-1 grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-0.5 text-xs">
            <dt>Model run id</dt>
            <dd>
              <code data-testid="model-run" className="break-all">
                {models?.meta.runId ?? info.model.runId}
              </code>
            </dd>
            <dt>Backbone</dt>
            <dd>
              <code className="break-all">{info.model.meta.backbone}</code>
            </dd>
            <dt>TensorFlow.js backend</dt>
            <dd data-testid="backend" data-backend={engine?.backend ?? ''} className="break-words">
              {engine ? `${engine.backend} (${engine.reason})` : engineStatus || 'choosing…'}
            </dd>
          </dl>
        </details>
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
