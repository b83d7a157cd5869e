// `export <zip>`: the labelled dataset as an ImageFolder by split (<split>/<class>/<face>.jpg),
// a CSV manifest, and the promoted TF.js model (model/model.json, weights.bin, meta.json).
// Written to a temporary file and renamed: an interrupted export leaves no partial zip.
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db';
import { CLASSES } from '../classes';
import { SPLITS } from '../dataset/split';
import { ZipWriter } from '../dataset/zip-writer';
import type { BlobStore } from '../storage';
import { readCrop } from './crop-source';
import { promotedRun } from '../models/registry';

const csv = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export async function exportDataset(db: Db, zipFile: string, opts: { store?: BlobStore } = {}) {
  const out = path.resolve(zipFile);
  const tmp = `${out}.partial-${process.pid}`;
  const zip = new ZipWriter(tmp);
  try {
    const faces = await db.face.findMany({
      where: { label: { in: [...CLASSES] }, split: { in: [...SPLITS] } },
      select: { id: true, index: true, label: true, split: true, wholeImage: true, x: true, y: true, w: true, h: true, photo: { select: { id: true, sha256: true, originalName: true } } },
      orderBy: [{ split: 'asc' }, { label: 'asc' }, { id: 'asc' }],
    });
    const rows = ['file,face_id,photo_id,original_name,label,split,whole_image,x,y,w,h'];
    for (const f of faces) {
      const file = `${f.split}/${f.label}/${f.id}.jpg`;
      zip.add(file, await readCrop({ faceId: f.id, photoSha: f.photo.sha256, index: f.index }, opts.store), { store: true });
      rows.push([file, f.id, f.photo.id, f.photo.originalName, f.label, f.split, f.wholeImage ? 1 : 0, f.x, f.y, f.w, f.h].map(csv).join(','));
    }
    zip.add('manifest.csv', rows.join('\n') + '\n');
    const run = await promotedRun(db);
    if (run?.modelDir) {
      for (const name of ['model.json', 'weights.bin', 'meta.json']) zip.add(`model/${name}`, fs.readFileSync(path.join(run.modelDir, name)));
    }
    zip.close();
    fs.renameSync(tmp, out);
    return { file: out, faces: faces.length, model: run?.id ?? null };
  } catch (err) {
    zip.abort();
    throw err;
  }
}
