/**
 * The model bundle's runnable examples and the TF.js files they load, so that a bundle classifies offline
 * with nothing but itself (and, in Node, sharp to decode photos):
 *   - `TFJS_FILES`: TensorFlow.js and its WebAssembly backend as their UMD builds, with the three wasm
 *     binaries, copied from this checkout's node_modules (the versions masklab itself runs);
 *   - `example.html`: a page that loads those files relatively (no CDN), picks the backend by the preview's
 *     rule (`chooseBackend`: wasm where WebGL draws in software) and classifies a chosen photo, or `?image=`;
 *   - `example.mjs`: `node example.mjs photo.jpg …` in any npm project (an .mjs file is an ES module whatever
 *     package.json says), loading the bundle's own TF.js on the wasm backend.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

/** The bundle's inference module (lib/inference/bundle.ts compiled; lib/models/bundle.ts). */
export const BUNDLE_MODULE = 'masklab-classify.mjs';

const ROOT = path.resolve(__dirname, '..', '..');

/** TF.js's browser build and the wasm backend (UMD: a script tag sets the global `tf`; CommonJS in Node). */
export const TFJS_SCRIPT = 'tf.es2017.min.js';
export const TFJS_WASM_SCRIPT = 'tf-backend-wasm.es2017.min.js';
const WASM_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/** Bundle file name → the file in node_modules. */
export function tfjsFiles(): Record<string, string> {
  const req = createRequire(path.join(ROOT, 'package.json'));
  const dist = (pkg: string) => path.dirname(req.resolve(pkg)); // both packages' main is dist/<file>.js
  const tfjs = dist('@tensorflow/tfjs');
  const wasm = dist('@tensorflow/tfjs-backend-wasm');
  return {
    [TFJS_SCRIPT]: path.join(tfjs, TFJS_SCRIPT),
    [TFJS_WASM_SCRIPT]: path.join(wasm, TFJS_WASM_SCRIPT),
    ...Object.fromEntries(WASM_BINARIES.map((n) => [n, path.join(wasm, n)])),
  };
}

/** The TF.js version bundled (from its package.json). */
export function tfjsVersion(): string {
  try {
    const req = createRequire(path.join(ROOT, 'package.json'));
    const main = req.resolve('@tensorflow/tfjs');
    return (JSON.parse(fs.readFileSync(path.join(path.dirname(main), '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '4.x';
  }
}

export const EXAMPLE_HTML = 'example.html';
export const EXAMPLE_MJS = 'example.mjs';

export function exampleHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>masklab model: classify a photo</title>
<!--
  Serve this folder over http and open example.html (a module script does not run from file://), e.g.
    python3 -m http.server 8000     then  http://localhost:8000/example.html
  Nothing is fetched from elsewhere: TensorFlow.js, its WebAssembly backend and the models are in this folder.
  ?image=<url> classifies that image at once; ?backend=wasm|webgl forces a backend.
-->
<style>body { font: 15px system-ui, sans-serif; margin: 2rem; } img { max-width: 100%; max-height: 60vh; display: block; }</style>
</head>
<body>
<h1>masklab model</h1>
<p><label>Photo: <input type="file" id="file" accept="image/*"></label></p>
<p id="status" role="status">Loading the model…</p>
<img id="photo" alt="">
<pre id="result"></pre>
<script src="${TFJS_SCRIPT}"></script>
<script src="${TFJS_WASM_SCRIPT}"></script>
<script type="module">
  import { chooseBackend, load } from './${BUNDLE_MODULE}';

  const status = document.getElementById('status');
  const fail = (err) => {
    status.textContent = 'Error: ' + (err && err.message ? err.message : err);
    document.body.dataset.state = 'error';
  };
  try {
    const params = new URLSearchParams(location.search);
    // The wasm binaries sit next to this page.
    tf.wasm.setWasmPaths(new URL('./', import.meta.url).href);
    // WebGL drawn in software (no GPU: VMs, remote desktops, headless browsers) is many times slower than wasm.
    const forced = params.get('backend');
    const { backend, reason } = forced === 'wasm' || forced === 'webgl'
      ? (await tf.setBackend(forced), { backend: forced, reason: 'chosen with ?backend=' })
      : await chooseBackend(tf);
    const model = await load({ tf });
    const classify = async (src) => {
      const img = document.getElementById('photo');
      img.src = src;
      await img.decode();
      status.textContent = 'Classifying…';
      document.body.dataset.state = 'busy';
      // The photo at its own size, upright (an <img> element would be read at the size it is shown).
      const faces = await model.classify(await createImageBitmap(img));
      document.getElementById('result').textContent = JSON.stringify({ backend: tf.getBackend(), faces }, null, 2);
      status.textContent = faces.map((f) => f.label + ' ' + (100 * f.confidence).toFixed(1) + '%').join(', ') + ' (' + backend + ': ' + reason + ')';
      document.body.dataset.state = 'done';
    };
    document.getElementById('file').addEventListener('change', (e) => {
      const f = e.target.files[0];
      if (f) classify(URL.createObjectURL(f)).catch(fail);
    });
    if (params.get('image')) await classify(params.get('image'));
    else {
      status.textContent = 'Ready on ' + backend + ' (' + reason + '). Choose a photo.';
      document.body.dataset.state = 'ready';
    }
  } catch (err) {
    fail(err);
  }
</script>
</body>
</html>
`;
}

export function exampleMjs(): string {
  return `// Classifies the faces of photos with this bundle, in Node.js 20.16 or later, offline:
//   npm install sharp              (decodes the photos; TensorFlow.js and its wasm backend come with the bundle)
//   node example.mjs photo.jpg [more.jpg …]
// Prints one JSON line per photo: { file, backend, faces: [{ box, wholeImage, score, probs, label, confidence }] }.
// An .mjs file is an ES module in any npm project, with or without "type": "module" in package.json.
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { load } from './${BUNDLE_MODULE}';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

// The bundle's TF.js files are UMD scripts: run them as CommonJS (whatever package.json says), the wasm
// backend with this TF.js as its @tensorflow/tfjs-core. (Or \`npm install @tensorflow/tfjs\` and import it.)
function loadScript(name, modules = {}) {
  const filename = path.join(here, name);
  const module = { exports: {} };
  const run = vm.compileFunction(fs.readFileSync(filename, 'utf8'), ['exports', 'require', 'module', '__filename', '__dirname'], { filename });
  run(module.exports, (id) => modules[id] ?? require(id), module, filename, here);
  return module.exports;
}
const tf = loadScript('${TFJS_SCRIPT}');
const wasm = loadScript('${TFJS_WASM_SCRIPT}', { '@tensorflow/tfjs-core': tf });
wasm.setWasmPaths(here + path.sep);
await tf.setBackend('wasm');

let sharp;
try {
  sharp = (await import('sharp')).default;
} catch {
  console.error('example.mjs decodes photos with sharp: npm install sharp');
  process.exit(1);
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node example.mjs <photo> [more photos]');
  process.exit(2);
}
const model = await load({ tf, from: here });
for (const file of files) {
  // Upright RGB pixels, as masklab decodes a photo.
  const { data, info } = await sharp(file).rotate().flatten({ background: '#fff' }).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const faces = await model.classify({ data, width: info.width, height: info.height });
  console.log(JSON.stringify({ file, backend: tf.getBackend(), faces }));
}
model.dispose();
`;
}
