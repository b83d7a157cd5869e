'use client';
// Which model is promoted (polled), TF.js and the frozen detector + backbone (loaded once), and the promoted
// head (swapped in when another run is promoted, without a reload).
import { type RefObject, useEffect, useRef, useState } from 'react';
import type { InferenceModels } from '@/lib/inference/classify';
import type { Tf } from '@/lib/inference/types';
import { backendChoice } from './backend';
import { type Engine, fetchPromoted, loadModels, type PromotedInfo, startEngine } from './engine';

const POLL_MS = 5000;

export interface PromotedModelState {
  /** The last answer of /api/models/promoted; null until the first. */
  info: PromotedInfo | null;
  error: string | null;
  /** TF.js on its backend, with why that backend (null while it starts). */
  engine: { tf: Tf; backend: string; reason: string } | null;
  /** What the engine is doing while it starts ("Trying WebGL…"). */
  engineStatus: string;
  /** The loaded models, null until ready. */
  models: InferenceModels | null;
  /** The current models for loops that outlive a render (the camera). */
  modelsRef: RefObject<InferenceModels | null>;
}

export function usePromotedModel(): PromotedModelState {
  const [info, setInfo] = useState<PromotedInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [engine, setEngine] = useState<Engine | null>(null);
  const [engineStatus, setEngineStatus] = useState('');
  const [models, setModels] = useState<InferenceModels | null>(null);
  const modelsRef = useRef<InferenceModels | null>(null);

  // Which model is promoted, polled.
  useEffect(() => {
    let alive = true;
    const poll = async () => {
      try {
        const next = await fetchPromoted();
        if (!alive) return;
        setInfo((prev) => (prev && prev.model?.runId === next.model?.runId ? prev : next));
      } catch (err) {
        if (alive) setError((err as Error).message);
      }
    };
    void poll();
    const timer = setInterval(poll, POLL_MS);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, []);

  // TF.js on the backend that is fast here, and the frozen detector + backbone, once.
  const files = info?.files;
  const hasModel = !!info?.model;
  const starting = useRef(false);
  useEffect(() => {
    if (!files || !hasModel || starting.current) return;
    starting.current = true;
    startEngine(backendChoice(window.location.search), files, setEngineStatus)
      .then(setEngine)
      .catch((err: Error) => setError(`Could not load the models: ${err.message}`));
  }, [files, hasModel]);

  // The promoted head; swapped in when another run is promoted.
  const promoted = info?.model;
  useEffect(() => {
    if (!engine || !promoted?.compatible) return;
    if (modelsRef.current?.meta.runId === promoted.runId) return;
    let alive = true;
    loadModels(engine.tf, engine.backbone, promoted)
      .then((m) => {
        if (!alive) return m.head.dispose();
        const old = modelsRef.current;
        modelsRef.current = m;
        setModels(m);
        // Let a frame in flight finish with the old head before freeing it.
        if (old) setTimeout(() => old.head.dispose(), 2000);
      })
      .catch((err: Error) => alive && setError(`Could not load the promoted model: ${err.message}`));
    return () => {
      alive = false;
    };
  }, [engine, promoted]);

  return { info, error, engine, engineStatus, models, modelsRef };
}
