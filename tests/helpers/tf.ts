// TensorFlow.js on the wasm backend for tests (the same backend the app uses without tfjs-node).
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

let ready: Promise<typeof tf> | null = null;
export function testTf(): Promise<typeof tf> {
  ready ??= (async () => {
    setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
    if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to start');
    await tf.ready();
    return tf;
  })();
  return ready;
}
