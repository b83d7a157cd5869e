// Puts the 32 labelled fixture faces into a masklab database and store (run with
// `node --import tsx e2e/seed-faces.ts <dataDir> <admin e-mail>`), for the training e2e test.
// TODO(collect merge): the e2e test should import the fixtures through the collect branch's import instead.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createDb } from '../lib/db';
import { cropPath } from '../lib/ml/crop-source';

const CLASSES = ['mask_old', 'mask_young', 'nomask_old', 'nomask_young'];
const FIXTURES = path.join(__dirname, '..', 'tests', 'fixtures', 'facemask');

async function main(dataDir: string, adminEmail: string) {
  const db = createDb(`file:${path.join(dataDir, 'masklab.db')}`);
  try {
    const admin = await db.user.findUniqueOrThrow({ where: { email: adminEmail } });
    if ((await db.face.count()) > 0) return;
    for (const c of CLASSES) {
      for (const f of fs.readdirSync(path.join(FIXTURES, c)).sort()) {
        const bytes = fs.readFileSync(path.join(FIXTURES, c, f));
        const sha = crypto.createHash('sha256').update(bytes).digest('hex');
        const file = cropPath(dataDir, { photoSha: sha, index: 0 });
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, bytes);
        const photo = await db.photo.create({
          data: { sha256: sha, uploaderId: admin.id, source: 'import', originalName: f, format: 'jpeg', width: 100, height: 100, bytes: bytes.length },
        });
        await db.face.create({
          data: { photoId: photo.id, index: 0, x: 0, y: 0, w: 100, h: 100, wholeImage: true, phash: '0'.repeat(16), label: c, labelledById: admin.id },
        });
      }
    }
  } finally {
    await db.$disconnect();
  }
}

main(process.argv[2], process.argv[3]).catch((err) => {
  console.error(err);
  process.exit(1);
});
