// Which TensorFlow.js backend the preview runs on, and why (shown on the page). With default settings:
// - no WebGL, or WebGL drawn in software (SwiftShader, llvmpipe, … as on VMs, remote desktops, CI and headless
//   Chromium without a GPU, where a first inference takes minutes): WebAssembly;
// - WebGL on a GPU: both are warmed up and timed, and the faster one is kept; when WebGL's first inference
//   takes longer than FIRST_INFERENCE_LIMIT_MS, the preview switches to WebAssembly and says so.
// `?backend=webgl|wasm` forces one (no switching).

export type BackendName = 'webgl' | 'wasm';
export type BackendChoice = 'auto' | BackendName;

/** Longest a first inference may take on the chosen backend before the preview switches to the other. */
export const FIRST_INFERENCE_LIMIT_MS = 5000;

/** Renderer strings of WebGL implementations that draw on the CPU. */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|lavapipe|software|basic render driver|gdi generic/i;

export const isSoftwareRenderer = (renderer: string): boolean => SOFTWARE_RENDERER.test(renderer);

/** `?backend=` of the page, or 'auto'. */
export function backendChoice(search: string): BackendChoice {
  const v = new URLSearchParams(search).get('backend');
  return v === 'webgl' || v === 'wasm' ? v : 'auto';
}

/**
 * The WebGL renderer's name (the unmasked one through WEBGL_debug_renderer_info where the browser gives it),
 * or null when this browser has no WebGL at all.
 */
export function webglRenderer(): string | null {
  const canvas = document.createElement('canvas');
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

/** The first step of the automatic choice: from the renderer alone. `probe`: time WebGL against wasm. */
export function planBackend(renderer: string | null): { backend: 'wasm'; reason: string } | { backend: 'probe'; renderer: string } {
  if (renderer === null) return { backend: 'wasm', reason: 'this browser has no WebGL' };
  if (isSoftwareRenderer(renderer)) return { backend: 'wasm', reason: `WebGL here runs in software (${renderer}), WebAssembly is faster` };
  return { backend: 'probe', renderer };
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
