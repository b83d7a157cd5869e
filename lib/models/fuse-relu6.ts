/**
 * A load-time graph rewrite for TF.js graph models (pure: artifacts in, artifacts out).
 *
 * `fuseRelu6` rewrites Keras-style `Relu -> Minimum(6) -> Maximum(0)` chains (how faceres spells relu6)
 * into fused convolutions with a Relu6 activation, folding the preceding bias `Add` (and, for depthwise
 * convolutions, the batch-norm `Mul` into the kernel). The wasm backend runs Minimum/Maximum slowly, so
 * this roughly halves faceres inference time there; the outputs stay numerically equal (see tests).
 */
import type { GraphNode, ModelArtifacts, WeightsManifestEntry } from './load-graph';

// ---------------------------------------------------------------------------------------------------------
// Weight (de)serialisation: only what the rewrite needs.

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, float16: 2, uint8: 1, uint16: 2 };

function specByteLength(spec: WeightsManifestEntry): number {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const stored = spec.quantization?.dtype ?? spec.dtype;
  const size = BYTES[stored];
  if (size === undefined) throw new Error(`Unsupported weight dtype ${stored} for ${spec.name}`);
  return count * size;
}

function float16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function decodeFloat(spec: WeightsManifestEntry, bytes: Uint8Array): Float32Array {
  if (spec.dtype !== 'float32') throw new Error(`Weight ${spec.name} is ${spec.dtype}, expected float32`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const q = spec.quantization;
  if (!q) return new Float32Array(bytes.slice().buffer);
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  if (q.dtype === 'float16') {
    for (let i = 0; i < n; i++) out[i] = float16ToFloat32(view.getUint16(i * 2, true));
  } else if (q.dtype === 'uint8' || q.dtype === 'uint16') {
    const scale = q.scale ?? 1;
    const min = q.min ?? 0;
    for (let i = 0; i < n; i++) out[i] = (q.dtype === 'uint8' ? view.getUint8(i) : view.getUint16(i * 2, true)) * scale + min;
  } else {
    throw new Error(`Unsupported quantization ${String(q.dtype)} for ${spec.name}`);
  }
  return out;
}

interface Weight {
  spec: WeightsManifestEntry;
  bytes: Uint8Array;
}

function splitWeights(artifacts: ModelArtifacts): Weight[] {
  const specs = artifacts.weightSpecs ?? [];
  const data = artifacts.weightData;
  if (!(data instanceof ArrayBuffer)) throw new Error('Graph rewrite expects weightData as a single ArrayBuffer');
  const out: Weight[] = [];
  let offset = 0;
  for (const spec of specs) {
    const len = specByteLength(spec);
    out.push({ spec, bytes: new Uint8Array(data, offset, len) });
    offset += len;
  }
  if (offset !== data.byteLength) throw new Error(`Weight data is ${data.byteLength} bytes, specs describe ${offset}`);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Relu6 fusion.

export interface FuseStats {
  /** Conv2D + bias + relu6 -> _FusedConv2D */
  conv: number;
  /** DepthwiseConv2dNative (+ scale folded into the kernel) + bias + relu6 -> FusedDepthwiseConv2dNative */
  depthwise: number;
  /** relu6 chains that could only be collapsed into a plain Relu6 op */
  relu6: number;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const FUSED_ATTRS = {
  fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu6')] } },
  num_args: { i: '1' },
  epsilon: { f: 0 },
};
const nodeOf = (input: string): string => input.replace(/^\^/, '').split(':')[0];

/** `conv` (input, kernel) + bias + Relu6 as one fused node named `name`. */
const fusedConvNode = (op: '_FusedConv2D' | 'FusedDepthwiseConv2dNative', name: string, conv: GraphNode, bias: string): GraphNode => ({
  name,
  op,
  input: [conv.input![0], conv.input![1], bias],
  attr: { ...conv.attr, ...FUSED_ATTRS },
});

/**
 * Returns new artifacts in which every `Relu -> Minimum(6) -> Maximum(0)` chain (either clip order) is fused
 * as described at the top of this file. Node names seen by the rest of the graph (and the model's output
 * names) are preserved: each fused node takes the name of the chain's last node. Weights that become unused
 * are dropped; a depthwise kernel with a folded scale is stored as plain float32.
 */
export function fuseRelu6(artifacts: ModelArtifacts): { artifacts: ModelArtifacts; stats: FuseStats } {
  const topology = artifacts.modelTopology as { node?: GraphNode[] } | undefined;
  if (!topology?.node) throw new Error('fuseRelu6: artifacts have no graph topology');
  const nodes = new Map<string, GraphNode>(topology.node.map((n) => [n.name, { ...n, input: [...(n.input ?? [])] }]));
  const weights = splitWeights(artifacts);
  const weightByName = new Map(weights.map((w) => [w.spec.name, w]));
  const replacedKernels = new Map<string, Float32Array>();
  const consumers = new Map<string, string[]>();
  for (const n of nodes.values()) {
    for (const i of n.input ?? []) {
      const src = nodeOf(i);
      consumers.set(src, [...(consumers.get(src) ?? []), n.name]);
    }
  }
  const only = (name: string): GraphNode | undefined => {
    const c = consumers.get(name) ?? [];
    return c.length === 1 ? nodes.get(c[0]) : undefined;
  };
  const constValues = (name: string): Float32Array | undefined => {
    const node = nodes.get(nodeOf(name));
    const w = weightByName.get(nodeOf(name));
    if (node?.op !== 'Const' || !w || w.spec.dtype !== 'float32') return undefined;
    return decodeFloat(w.spec, w.bytes);
  };
  /** For a binary op with exactly one const input: [other input, const values]. */
  const splitConst = (n: GraphNode): [string, Float32Array] | undefined => {
    const [a, b] = n.input ?? [];
    if (!a || !b || (n.input?.length ?? 0) !== 2) return undefined;
    const cb = constValues(b);
    if (cb) return [a, cb];
    const ca = constValues(a);
    return ca ? [b, ca] : undefined;
  };
  const isScalar = (v: Float32Array | undefined, x: number): boolean => !!v && v.length === 1 && v[0] === x;

  const stats: FuseStats = { conv: 0, depthwise: 0, relu6: 0 };
  const removed = new Set<string>();
  for (const relu of [...nodes.values()].filter((n) => n.op === 'Relu')) {
    const first = only(relu.name);
    const second = first && only(first.name);
    if (!first || !second) continue;
    const c1 = splitConst(first);
    const c2 = splitConst(second);
    if (!c1 || !c2 || nodeOf(c1[0]) !== relu.name || nodeOf(c2[0]) !== first.name) continue;
    const minThenMax = first.op === 'Minimum' && second.op === 'Maximum' && isScalar(c1[1], 6) && isScalar(c2[1], 0);
    const maxThenMin = first.op === 'Maximum' && second.op === 'Minimum' && isScalar(c1[1], 0) && isScalar(c2[1], 6);
    if (!minThenMax && !maxThenMin) continue;
    const outName = second.name;
    removed.add(relu.name).add(first.name);
    // Default: a single Relu6 op in place of the chain.
    let fused: GraphNode = { name: outName, op: 'Relu6', input: [...(relu.input ?? [])], attr: relu.attr };

    const add = nodes.get(nodeOf(relu.input?.[0] ?? ''));
    const addSplit = add && ['Add', 'AddV2', 'BiasAdd'].includes(add.op) && only(add.name) === relu ? splitConst(add) : undefined;
    const producer = addSplit && nodes.get(nodeOf(addSplit[0]));
    const biasName = addSplit && (add?.input ?? []).find((i) => nodeOf(i) !== nodeOf(addSplit[0]));
    if (add && addSplit && producer && biasName && only(producer.name) === add) {
      const bias = addSplit[1];
      if (producer.op === 'Conv2D' && nodes.get(nodeOf(producer.input?.[1] ?? ''))?.op === 'Const') {
        const kernelShape = weightByName.get(nodeOf(producer.input?.[1] ?? ''))?.spec.shape;
        if (kernelShape && kernelShape[3] === bias.length) {
          fused = fusedConvNode('_FusedConv2D', outName, producer, biasName);
          removed.add(add.name).add(producer.name);
          stats.conv++;
        }
      } else {
        // Depthwise conv, optionally followed by a per-channel Mul (inference batch norm).
        let dw: GraphNode | undefined = producer;
        let scale: Float32Array | undefined;
        if (producer.op === 'Mul') {
          const mulSplit = splitConst(producer);
          dw = mulSplit && nodes.get(nodeOf(mulSplit[0]));
          scale = mulSplit?.[1];
          if (dw && only(dw.name) !== producer) dw = undefined;
        }
        const kernelName = nodeOf(dw?.input?.[1] ?? '');
        const kernel = weightByName.get(kernelName);
        const channels = kernel ? kernel.spec.shape[2] * kernel.spec.shape[3] : -1;
        const kernelShared = (consumers.get(kernelName) ?? []).length !== 1;
        if (dw?.op === 'DepthwiseConv2dNative' && kernel && channels === bias.length &&
            (!scale || (scale.length === channels && !kernelShared))) {
          if (scale) {
            const k = decodeFloat(kernel.spec, kernel.bytes);
            // Kernel layout [h, w, in, multiplier]: output channel = in * multiplier + m, the innermost index.
            for (let i = 0; i < k.length; i++) k[i] *= scale[i % channels];
            replacedKernels.set(kernelName, k);
            removed.add(producer.name);
          }
          fused = fusedConvNode('FusedDepthwiseConv2dNative', outName, dw, biasName);
          removed.add(add.name).add(dw.name);
          stats.depthwise++;
        }
      }
    }
    if (fused.op === 'Relu6') stats.relu6++;
    nodes.set(outName, fused);
  }
  for (const name of removed) nodes.delete(name);

  // Drop Const nodes (and their weights) that nothing references any more.
  const referenced = new Set<string>();
  for (const n of nodes.values()) for (const i of n.input ?? []) referenced.add(nodeOf(i));
  const droppedConsts = new Set<string>();
  for (const n of [...nodes.values()]) {
    if (n.op === 'Const' && !referenced.has(n.name)) {
      nodes.delete(n.name);
      droppedConsts.add(n.name);
    }
  }

  const keptWeights = weights.filter((w) => !droppedConsts.has(w.spec.name));
  const specs: WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  for (const w of keptWeights) {
    const replaced = replacedKernels.get(w.spec.name);
    if (replaced) {
      specs.push({ name: w.spec.name, shape: w.spec.shape, dtype: 'float32' });
      chunks.push(new Uint8Array(replaced.buffer));
    } else {
      specs.push(w.spec);
      chunks.push(w.bytes);
    }
  }
  const total = chunks.reduce((s, c) => s + c.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    weightData.set(c, offset);
    offset += c.byteLength;
  }
  // Keep node order stable (original order, fused nodes where their chain ended).
  const order = topology.node.map((n) => n.name).filter((n) => nodes.has(n));
  return {
    artifacts: {
      ...artifacts,
      modelTopology: { ...topology, node: order.map((n) => nodes.get(n)!) },
      weightSpecs: specs,
      weightData: weightData.buffer,
    },
    stats,
  };
}
