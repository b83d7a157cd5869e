import type { Tensor } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../lib/images';
import { FACERES_OUTPUTS } from '../../lib/inference/backbone';
import { toBackboneInput } from '../../lib/inference/preprocess';
import type { Tf } from '../../lib/inference/types';
import { loadFaceres } from '../../lib/models/backbone';
import { fuseRelu6 } from '../../lib/models/fuse-relu6';
import { findModelFile, type GraphNode, type ModelArtifacts, readModelArtifacts } from '../../lib/models/load-graph';
import { getTf } from '../../lib/models/tf';
import { faceFixtures, read } from './fixtures';

const T = { timeout: 120_000 };
let tf: Tf;
beforeAll(async () => {
  tf = await getTf();
});

const ops = (a: ModelArtifacts) => (a.modelTopology as { node: GraphNode[] }).node.map((n) => n.op);

describe('model files', () => {
  it('finds the bundled models and explains missing ones', () => {
    expect(findModelFile('faceres.json')).toMatch(/@vladmandic[\\/]human[\\/]models[\\/]faceres\.json$/);
    expect(() => findModelFile('no-such-model.json')).toThrow(/MASKLAB_PRETRAINED_DIR/);
  });

  it('reports a missing model.json with its path', async () => {
    await expect(readModelArtifacts('/nonexistent/model.json')).rejects.toThrow('/nonexistent/model.json');
  });
});

describe('fuseRelu6', () => {
  it('collapses a bare Relu -> Minimum(6) -> Maximum(0) chain into Relu6', async () => {
    const f32 = (v: number) => new Uint8Array(new Float32Array([v]).buffer);
    const artifacts: ModelArtifacts = {
      format: 'graph-model',
      modelTopology: {
        versions: { producer: 1 },
        node: [
          { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }] } } } },
          { name: 'six', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: {} } } } },
          { name: 'zero', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: {} } } } },
          { name: 'r', op: 'Relu', input: ['x'], attr: { T: { type: 'DT_FLOAT' } } },
          { name: 'mn', op: 'Minimum', input: ['r', 'six'], attr: { T: { type: 'DT_FLOAT' } } },
          { name: 'out', op: 'Maximum', input: ['mn', 'zero'], attr: { T: { type: 'DT_FLOAT' } } },
        ],
      },
      weightSpecs: [
        { name: 'six', shape: [], dtype: 'float32' },
        { name: 'zero', shape: [], dtype: 'float32' },
      ],
      weightData: new Uint8Array([...f32(6), ...f32(0)]).buffer,
    };
    const { artifacts: fused, stats } = fuseRelu6(artifacts);
    expect(stats).toEqual({ conv: 0, depthwise: 0, relu6: 1 });
    expect(ops(fused)).toEqual(['Placeholder', 'Relu6']);
    expect(fused.weightSpecs).toEqual([]);
    const model = await tf.loadGraphModel({ load: async () => fused });
    const y = model.execute(tf.tensor1d([-3, 0.5, 5, 9]), 'out') as Tensor;
    expect(Array.from(await y.data())).toEqual([0, 0.5, 5, 6]);
    tf.dispose(y);
  });

  it('fuses every faceres relu6 into a convolution', async () => {
    const original = await readModelArtifacts(findModelFile('faceres.json'));
    const { artifacts, stats } = fuseRelu6(original);
    expect(stats).toEqual({ conv: 14, depthwise: 13, relu6: 0 });
    expect(ops(original).filter((o) => o === 'Minimum')).toHaveLength(27);
    expect(ops(artifacts)).not.toContain('Minimum');
    expect(ops(artifacts)).not.toContain('Maximum');
    expect(ops(artifacts)).not.toContain('Relu');
    expect(ops(artifacts).filter((o) => o === '_FusedConv2D')).toHaveLength(14);
    expect(ops(artifacts).filter((o) => o === 'FusedDepthwiseConv2dNative')).toHaveLength(13);
  });

  it('gives faceres the same outputs as the original graph', T, async () => {
    const limits = { maxUploadBytes: 25 * 1024 * 1024, maxPixels: 50_000_000 };
    const images = await Promise.all(faceFixtures().slice(0, 6).map(async (f) => (await decodeImage(read(f.file), limits)).rgb));
    const input = tf.tidy(() =>
      tf.concat(images.map((im) => toBackboneInput(tf, tf.tensor3d(new Uint8Array(im.data), [im.height, im.width, 3], 'int32')))),
    );
    const run = (graph: Awaited<ReturnType<typeof loadFaceres>>) => graph.execute(input, [...FACERES_OUTPUTS]) as Tensor[];
    const [fusedOut, plainOut] = await Promise.all([loadFaceres(), loadFaceres({ fuse: false })]).then(([fused, plain]) => [run(fused), run(plain)]);
    for (let i = 0; i < 3; i++) {
      expect(fusedOut[i].shape).toEqual(plainOut[i].shape);
      const diff = (await tf.max(tf.abs(tf.sub(fusedOut[i], plainOut[i]))).data())[0];
      const scale = (await tf.max(tf.abs(plainOut[i])).data())[0];
      expect(diff).toBeLessThan(1e-4 * Math.max(1, scale));
    }
    expect(fusedOut[0].shape).toEqual([6, 1024]);
    tf.dispose([input, ...fusedOut, ...plainOut]);
  });
});
