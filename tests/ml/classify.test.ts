import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { headInput } from '../../lib/inference/classify';
import { scriptFile, servedModelsVersion, staticModelFile } from '../../lib/models/served-files';

describe('headInput (the head input format shared by training, the API and the browser)', () => {
  it('L2-normalises the features and appends age / 100', () => {
    const x = headInput([3, 4], 42, true);
    expect(Array.from(x)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6), expect.closeTo(0.42, 6)]);
  });
  it('leaves age out when the model does not use it, and keeps a zero vector zero', () => {
    expect(Array.from(headInput([0, 0, 0], 30, false))).toEqual([0, 0, 0]);
  });
});

describe('served model files', () => {
  it('serves faceres relu6-fused, BlazeFace as shipped, and the TF.js bundles', async () => {
    const json = JSON.parse(new TextDecoder().decode((await staticModelFile('faceres.json'))!.body)) as {
      modelTopology: { node: { op: string }[] };
      weightsManifest: { paths: string[]; weights: { shape: number[]; dtype: string; quantization?: { dtype: string } }[] }[];
    };
    const ops = new Set(json.modelTopology.node.map((n) => n.op));
    expect(ops.has('_FusedConv2D')).toBe(true);
    expect(ops.has('Minimum')).toBe(false);
    // The weight file holds exactly what the manifest describes.
    const size: Record<string, number> = { float16: 2, uint16: 2, uint8: 1 };
    const bytes = json.weightsManifest[0].weights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * (size[w.quantization?.dtype ?? ''] ?? 4), 0);
    expect((await staticModelFile('faceres.bin'))!.body.byteLength).toBe(bytes);
    const blazeface = path.join(process.cwd(), 'node_modules/@vladmandic/human/models/blazeface.bin');
    expect((await staticModelFile('blazeface.bin'))!.body.byteLength).toBe(fs.statSync(blazeface).size);
    expect((await staticModelFile('tfjs-backend-wasm-simd.wasm'))!.contentType).toBe('application/wasm');
    expect((await scriptFile('tf.min.js'))!.contentType).toMatch(/javascript/);
    expect(await staticModelFile('../package.json')).toBeNull();
    expect(servedModelsVersion()).toMatch(/^faceres-[0-9a-f]{8}-p\d+-[0-9a-f]{8}-[0-9a-f]{8}-f1-tfjs\d/);
  });
});
