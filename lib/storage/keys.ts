// The key layout. Originals are content-addressed by their sha256; everything derived from a
// photo (display copy, thumbnail, face crops) lives under the same sha so it can be found,
// checked and removed without a database lookup.

const SHA = /^[0-9a-f]{64}$/;

function checkSha(sha: string): string {
  if (!SHA.test(sha)) throw new Error(`not a sha256 hex digest: ${sha}`);
  return sha;
}

/** The uploaded bytes, exactly as received: `objects/<aa>/<sha>`. */
export const originalKey = (sha: string) => `objects/${checkSha(sha).slice(0, 2)}/${sha}`;

const derivedDir = (sha: string) => `derived/${checkSha(sha).slice(0, 2)}/${sha}`;
/** Oriented, metadata-free JPEG of the photo (longest side at most DISPLAY_MAX_SIDE). */
export const displayKey = (sha: string) => `${derivedDir(sha)}/display.jpg`;
/** Small oriented, metadata-free JPEG for grids. */
export const thumbKey = (sha: string) => `${derivedDir(sha)}/thumb.jpg`;
/** The crop of the photo's face number `index` (Face.index). */
export const faceKey = (sha: string, index: number) => {
  if (!Number.isInteger(index) || index < 0) throw new Error(`bad face index ${index}`);
  return `${derivedDir(sha)}/face-${index}.jpg`;
};

/** Every key that belongs to a photo with `faceCount` faces. */
export function photoKeys(sha: string, faceCount: number): string[] {
  return [originalKey(sha), displayKey(sha), thumbKey(sha), ...Array.from({ length: faceCount }, (_, i) => faceKey(sha, i))];
}

/** The sha a key belongs to, or null for keys outside the layout. */
export function shaOfKey(key: string): string | null {
  const m = /^(?:objects|derived)\/[0-9a-f]{2}\/([0-9a-f]{64})(?:\/|$)/.exec(key);
  return m ? m[1] : null;
}

const NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;
function checkName(what: string, name: string): string {
  if (!NAME.test(name)) throw new Error(`invalid ${what}: ${JSON.stringify(name)}`);
  return name;
}

// Shared object storage only (`sharedStore()`): what the local install keeps in folders of its own.
/** A file of a run's model folder: `models/<runId>/<file>` (model.json, weights.bin, meta.json). */
export const modelKey = (runId: string, file: string) => `models/${checkName('run id', runId)}/${checkName('model file', file)}`;
/** A finished export archive: `exports/<jobId>.zip`. */
export const exportKey = (jobId: string) => `exports/${checkName('export id', jobId)}.zip`;
/** The parts of an export job written in chunks, until it has put its archive together: `exports/parts/<jobId>/`. */
export const exportPartsPrefix = (jobId: string) => `exports/parts/${checkName('export id', jobId)}/`;
/** Part `n` (its chunk's number) of an export job: `exports/parts/<jobId>/<n>.zip`. */
export const exportPartKey = (jobId: string, n: number) => {
  if (!Number.isInteger(n) || n < 0) throw new Error(`bad export part ${n}`);
  return `${exportPartsPrefix(jobId)}${n}.zip`;
};
/** The export job a key under `exports/parts/` belongs to, or null for any other key. */
export const exportOfPartKey = (key: string): string | null => /^exports\/parts\/([^/]+)\//.exec(key)?.[1] ?? null;
/** Whether a key is a finished export archive (`exportKey`). */
export const isExportKey = (key: string) => /^exports\/[^/]+\.zip$/.test(key);
/** An uploaded zip waiting for its import job: `incoming/<name>` (the name of its local spool file). */
export const incomingKey = (name: string) => `incoming/${checkName('upload name', name)}`;
