// Which TensorFlow.js backend the preview runs on, and why (shown on the page). With default settings:
// - no WebGL, or WebGL drawn in software (SwiftShader, llvmpipe, … as on VMs, remote desktops, CI and headless
//   Chromium without a GPU, where a first inference takes minutes): WebAssembly;
// - WebGL on a GPU: both are warmed up and timed, and the faster one is kept; when WebGL's first inference
//   takes longer than FIRST_INFERENCE_LIMIT_MS, the preview switches to WebAssembly and says so.
// `?backend=webgl|wasm` forces one (no switching).

import type { BackendName } from '@/lib/inference/backend';

// The rule from the renderer is shared with the exported model bundle (lib/inference/backend.ts).
export { type BackendName, planBackend, webglRenderer } from '@/lib/inference/backend';
export type BackendChoice = 'auto' | BackendName;

/** Longest a first inference may take on the chosen backend before the preview switches to the other. */
export const FIRST_INFERENCE_LIMIT_MS = 5000;

/** `?backend=` of the page, or 'auto'. */
export function backendChoice(search: string): BackendChoice {
  const v = new URLSearchParams(search).get('backend');
  return v === 'webgl' || v === 'wasm' ? v : 'auto';
}

/** Resolves with the promise's value, or with `timedOut` once `ms` have passed (the promise keeps running). */
export function within<T>(p: Promise<T>, ms: number): Promise<{ value: T } | 'timedOut'> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve('timedOut'), ms);
    p.then(
      (value) => {
        clearTimeout(timer);
        resolve({ value });
      },
      (err) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
