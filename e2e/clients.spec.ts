// The API as an integrator drives it (issue 22). The typed client generated from /api/openapi.json
// (clients/typescript: openapi-typescript types + openapi-fetch) runs the whole journey with an API
// token made by the CLI: upload → list faces → label → retrain → read the run → promote → predict →
// export. Its types are checked by `tsc` (npm run lint's typecheck); at run time every JSON answer is
// also validated against the document (e2e/api-schema-check.ts), so a body the types promise but the
// server does not send fails here. Then the Python example (examples/python, `requests` only) runs
// against the same live server.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import yauzl from 'yauzl';
import { createMasklabClient, type MasklabClient, multipart } from '../clients/typescript';
import { CLASSES, type FaceClass } from '../lib/classes';
import { ApiSchemas, type Doc } from './api-schema-check';
import { BASE_URL } from './api-schema';
import { ADMIN, cliToken, FIXTURES } from './helpers';

let token: string;
let api: MasklabClient;
const classOfFile = new Map<string, FaceClass>();

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  token = cliToken(ADMIN.email, 'e2e client journey');
  api = createMasklabClient(BASE_URL, token);
  const { data: doc } = await api.GET('/api/openapi.json');
  const schemas = new ApiSchemas(doc as unknown as Doc);
  api.use({
    async onResponse({ request, response }) {
      if (!response.headers.get('content-type')?.startsWith('application/json')) return;
      schemas.check(request.method, request.url, response.status, await response.clone().json());
    },
  });
});

/** Every page of a cursor-paginated list. */
async function allFaces(label: 'unlabelled' | FaceClass) {
  const items = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await api.GET('/api/faces', { params: { query: { label, limit: 10, ...(cursor ? { cursor } : {}) } } });
    expect(error).toBeUndefined();
    items.push(...data!.items);
    cursor = data!.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/** The zip's entry names. */
function zipEntries(bytes: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) =>
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const names: string[] = [];
      zip.on('entry', (e: yauzl.Entry) => (names.push(e.fileName), zip.readEntry()));
      zip.on('end', () => resolve(names));
      zip.on('error', reject);
      zip.readEntry();
    }),
  );
}

test('the generated TypeScript client: upload → faces → label → retrain → run → promote → predict → export', async () => {
  test.setTimeout(420_000);
  // Upload the 32 fixture photos (8 per class) in one multipart request, without labels.
  const files = CLASSES.flatMap((cls) =>
    fs.readdirSync(path.join(FIXTURES, cls)).sort().map((name) => {
      classOfFile.set(name, cls);
      return new File([fs.readFileSync(path.join(FIXTURES, cls, name))], name, { type: 'image/jpeg' });
    }),
  );
  const upload = await api.POST('/api/photos', { body: { files }, bodySerializer: multipart });
  expect(upload.error).toBeUndefined();
  const classOfPhoto = new Map<string, FaceClass>();
  for (const r of upload.data!.results) {
    expect(r.status, r.file).toBe('added');
    if (r.status === 'added') classOfPhoto.set(r.photoId, classOfFile.get(r.file)!);
  }
  expect(classOfPhoto.size).toBe(32);

  // List the unlabelled faces page by page and label them by the folder their photo came from.
  const faces = (await allFaces('unlabelled')).filter((f) => classOfPhoto.has(f.photoId));
  expect(faces.length).toBeGreaterThanOrEqual(32);
  for (const cls of CLASSES) {
    const faceIds = faces.filter((f) => classOfPhoto.get(f.photoId) === cls).map((f) => f.id);
    const { data, error } = await api.POST('/api/labels', { body: { faceIds, label: cls } });
    expect(error).toBeUndefined();
    expect(data!.changed).toHaveLength(faceIds.length);
  }
  expect(await allFaces('unlabelled')).toHaveLength(0);

  // Retrain and follow the job until it ends.
  const retrain = await api.POST('/api/training/retrain', { body: {} });
  expect(retrain.error).toBeUndefined();
  const jobId = retrain.data!.jobId;
  let status = 'queued';
  await expect
    .poll(
      async () => {
        const { data } = await api.GET('/api/training/status');
        status = data!.job?.id === jobId ? data!.job.status : 'queued';
        return status;
      },
      { timeout: 360_000, intervals: [2_000] },
    )
    .toMatch(/succeeded|failed|cancelled/);
  expect(status).toBe('succeeded');

  // The run's report: the confusion matrix holds every test face.
  const runs = await api.GET('/api/runs', { params: { query: { limit: 5 } } });
  const run = runs.data!.items[0];
  expect(run.status).toBe('succeeded');
  const report = await api.GET('/api/runs/{id}', { params: { path: { id: run.id } } });
  const confusion = report.data!.metrics!.confusion;
  expect(confusion).toHaveLength(4);
  expect(confusion.flat().reduce((a, b) => a + b, 0)).toBe(run.testFaces);

  // Promote it (the first model is promoted already; promoting again is allowed) and predict.
  const promote = await api.POST('/api/runs/{id}/promote', { params: { path: { id: run.id } } });
  expect(promote.data).toEqual({ runId: run.id });
  const name = fs.readdirSync(path.join(FIXTURES, 'nomask_young')).sort()[0];
  const image = new File([fs.readFileSync(path.join(FIXTURES, 'nomask_young', name))], name, { type: 'image/jpeg' });
  const predicted = await api.POST('/api/predict', { body: { image }, bodySerializer: multipart });
  expect(predicted.error).toBeUndefined();
  expect(predicted.data!.model.runId).toBe(run.id);
  expect(predicted.data!.faces.length).toBeGreaterThanOrEqual(1);
  for (const face of predicted.data!.faces) {
    expect(Object.values(face.probs).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(CLASSES).toContain(face.label);
  }

  // Export the dataset and download the archive: every labelled face is a crop in it.
  const queued = await api.POST('/api/exports', { body: {} });
  const exportId = queued.data!.jobId;
  await expect
    .poll(async () => (await api.GET('/api/exports')).data!.exports.find((e) => e.id === exportId)?.finishedAt ?? null, { timeout: 120_000 })
    .not.toBeNull();
  const download = await api.GET('/api/export', { params: { query: { job: exportId } }, parseAs: 'arrayBuffer' });
  expect(download.response.status).toBe(200);
  const bytes = Buffer.from(download.data as unknown as ArrayBuffer);
  expect(Number(download.response.headers.get('content-length'))).toBe(bytes.length);
  const names = await zipEntries(bytes);
  expect(names).toEqual(expect.arrayContaining(['classes.txt', 'labels.json']));
  expect(names.filter((n) => /\.(jpe?g|png)$/i.test(n) && CLASSES.some((c) => n.includes(`/${c}/`)))).toHaveLength(faces.length);
});

test('the Python example (requests) uploads, labels and predicts against the live server', async () => {
  const sharp = (await import('sharp')).default;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-py-'));
  try {
    // A new photo (one face): a fixture, re-encoded so its bytes are not a duplicate of the upload above.
    const source = path.join(FIXTURES, 'nomask_young', fs.readdirSync(path.join(FIXTURES, 'nomask_young')).sort()[1]);
    const photo = path.join(dir, 'from-python.jpg');
    await sharp(source).modulate({ brightness: 1.03 }).jpeg({ quality: 90 }).toFile(photo);
    const script = path.join(__dirname, '..', 'examples', 'python', 'masklab_example.py');
    const py = (args: string[], env: Record<string, string>) =>
      spawnSync('python3', [script, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });

    const before = (await allFaces('nomask_young')).length;
    const ok = py([photo, '--label', 'nomask_young'], { MASKLAB_URL: BASE_URL, MASKLAB_TOKEN: token });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(`signed in as ${ADMIN.email} (admin)`);
    expect(ok.stdout).toMatch(/from-python\.jpg: added, 1 face\(s\): \d+x\d+ at/);
    expect(ok.stdout).toContain('labelled 1 face(s) nomask_young');
    expect(ok.stdout).toMatch(/predicted (mask_old|mask_young|nomask_old|nomask_young) \(\d+%\) for the face \d+x\d+ at/);
    expect(ok.stdout).toMatch(/dataset: \d+ faces, 0 unlabelled; .*nomask_young \d+/);
    // The server agrees: one more nomask_young face.
    expect(await allFaces('nomask_young')).toHaveLength(before + 1);

    // The same photo again is a duplicate; a bad token is one line on stderr and exit 1.
    const again = py([photo], { MASKLAB_URL: BASE_URL, MASKLAB_TOKEN: token });
    expect(again.stdout).toMatch(/from-python\.jpg: duplicate \(/);
    const denied = py([photo], { MASKLAB_URL: BASE_URL, MASKLAB_TOKEN: 'mlk_not-a-token' });
    expect(denied.status).toBe(1);
    expect(denied.stderr.trim()).toMatch(/^GET \/api\/me: 401 /);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
