/**
 * Which TensorFlow.js backend to run on in a browser, from the WebGL renderer alone: no WebGL, or WebGL drawn
 * in software (SwiftShader, llvmpipe, … as on VMs, remote desktops, CI and headless Chromium without a GPU,
 * where a first inference takes most of a minute), means WebAssembly; WebGL on a GPU is worth trying.
 * One rule for the app's preview (app/(app)/preview/backend.ts, which then times WebGL against wasm) and the
 * exported model bundle (`chooseBackend` in ./bundle.ts, its example.html). Browser-safe; `webglRenderer`
 * needs a `document`.
 */
import type { Tf } from './types';

export type BackendName = 'webgl' | 'wasm';

/** Renderer strings of WebGL implementations that draw on the CPU. */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|lavapipe|software|basic render driver|gdi generic/i;

export const isSoftwareRenderer = (renderer: string): boolean => SOFTWARE_RENDERER.test(renderer);

/**
 * The WebGL renderer's name (the unmasked one through WEBGL_debug_renderer_info where the browser gives it),
 * or null when this browser has no WebGL at all (or there is no `document`, as in Node).
 */
export function webglRenderer(): string | null {
  const doc = (globalThis as { document?: Document }).document;
  if (!doc) return null;
  const canvas = doc.createElement('canvas');
  const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
  if (!gl) return null;
  try {
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const name = info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
    return String(name ?? 'unknown');
  } finally {
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}

/** The first step of the automatic choice: from the renderer alone. `probe`: WebGL runs on a GPU, worth trying. */
export function planBackend(renderer: string | null): { backend: 'wasm'; reason: string } | { backend: 'probe'; renderer: string } {
  if (renderer === null) return { backend: 'wasm', reason: 'this browser has no WebGL' };
  if (isSoftwareRenderer(renderer)) return { backend: 'wasm', reason: `WebGL here runs in software (${renderer}), WebAssembly is faster` };
  return { backend: 'probe', renderer };
}

/**
 * Sets TF.js's backend by `planBackend`: wasm without WebGL or with software WebGL, else WebGL (falling back to
 * wasm when WebGL will not start). The wasm backend must be registered (its script loaded) for `wasm`.
 */
export async function chooseBackend(tf: Tf, renderer: string | null = webglRenderer()): Promise<{ backend: string; reason: string }> {
  const plan = planBackend(renderer);
  if (plan.backend === 'probe' && (await tf.setBackend('webgl').catch(() => false))) {
    return { backend: 'webgl', reason: `WebGL on ${plan.renderer}` };
  }
  const reason = plan.backend === 'wasm' ? plan.reason : `WebGL on ${plan.renderer} did not start`;
  if (!(await tf.setBackend('wasm').catch(() => false))) throw new Error(`${reason}, and the wasm backend is not available (load tf-backend-wasm first)`);
  return { backend: 'wasm', reason };
}
