// TensorFlow.js for tests: the app's own backend choice (tfjs-node when installed, else wasm).
import { getTf } from '@/lib/models/tf';

export const testTf = getTf;
