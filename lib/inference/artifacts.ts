// Reading a TF.js model (model.json + weight files) into model artifacts, from any source: the
// bundle reads its folder or URLs, the server its files on disk (lib/models/load-graph.ts). No
// Node built-ins and no `import.meta` here, so both the browser bundle and the Next.js server
// build can import it.
import type * as TF from '@tensorflow/tfjs';

/** Reads one file of a model by its name relative to the model folder. */
export type ReadFile = (name: string) => Promise<Uint8Array>;

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/**
 * A TF.js model.json and its weight files, read with `read`, as model artifacts for `tf.loadGraphModel` /
 * `tf.loadLayersModel`: the one artifact reader (the server reads its files through it too, lib/models/load-graph.ts).
 */
export async function readArtifacts(read: ReadFile, jsonName: string): Promise<TF.io.ModelArtifacts> {
  let json: {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: TF.io.WeightsManifestEntry[] }[];
  } & Record<string, unknown>;
  try {
    json = JSON.parse(text(await read(jsonName)));
  } catch (err) {
    if (err instanceof SyntaxError) throw new Error(`${jsonName} is not valid JSON: ${err.message}`);
    throw err;
  }
  if (!json?.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${jsonName} is not a TF.js model (no modelTopology/weightsManifest).`);
  }
  const dir = jsonName.includes('/') ? jsonName.slice(0, jsonName.lastIndexOf('/') + 1) : '';
  const parts: Uint8Array[] = [];
  const weightSpecs: TF.io.WeightsManifestEntry[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) parts.push(await read(dir + p));
    weightSpecs.push(...group.weights);
  }
  const weightData = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    weightData.set(p, at);
    at += p.byteLength;
  }
  const { weightsManifest: _w, ...rest } = json;
  return { ...(rest as object), modelTopology: json.modelTopology, weightSpecs, weightData: weightData.buffer } as TF.io.ModelArtifacts;
}
