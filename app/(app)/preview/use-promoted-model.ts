'use client';
// Which model is promoted (polled), TF.js and the frozen detector + backbone (loaded once), and the promoted
// head (swapped in when another run is promoted, without a reload).
import { type RefObject, useEffect, useRef, useState } from 'react';
import type { InferenceModels } from '@/lib/inference/classify';
import type { Tf } from '@/lib/inference/types';
import { type Backbone, type BackendChoice, fetchPromoted, loadBackbone, loadModels, loadTf, type PromotedInfo } from './engine';

const POLL_MS = 5000;

export interface PromotedModelState {
  /** The last answer of /api/models/promoted; null until the first. */
  info: PromotedInfo | null;
  error: string | null;
  engine: { tf: Tf; backend: string } | null;
  /** The loaded models, null until ready. */
  models: InferenceModels | null;
  /** The current models for loops that outlive a render (the camera). */
  modelsRef: RefObject<InferenceModels | null>;
}

export function usePromotedModel(): PromotedModelState {
  const [info, setInfo] = useState<PromotedInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [engine, setEngine] = useState<{ tf: Tf; backend: string } | null>(null);
  const [backbone, setBackbone] = useState<Backbone | null>(null);
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

  // TF.js and the frozen detector + backbone, once.
  const wasmBase = info?.files.wasm;
  const hasModel = !!info?.model;
  useEffect(() => {
    if (!wasmBase || !hasModel || engine) return;
    let alive = true;
    const choice = (new URLSearchParams(window.location.search).get('backend') ?? 'auto') as BackendChoice;
    (async () => {
      const e = await loadTf(['auto', 'webgl', 'wasm'].includes(choice) ? choice : 'auto', wasmBase);
      if (!alive) return;
      setEngine(e);
      setBackbone(await loadBackbone(e.tf, info!.files));
    })().catch((err: Error) => alive && setError(`Could not load the models: ${err.message}`));
    return () => {
      alive = false;
    };
  }, [wasmBase, hasModel, engine, info]);

  // The promoted head; swapped in when another run is promoted.
  const promoted = info?.model;
  useEffect(() => {
    if (!engine || !backbone || !promoted?.compatible) return;
    if (modelsRef.current?.meta.runId === promoted.runId) return;
    let alive = true;
    loadModels(engine.tf, backbone, promoted)
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
  }, [engine, backbone, promoted]);

  return { info, error, engine, models, modelsRef };
}
