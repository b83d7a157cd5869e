// Test data: users and photos with faces, written straight to the database (no upload).
import crypto from 'node:crypto';
import type { Db } from '@/lib/db';
import { freshDb, type TestDb } from './db';
import type { Actor, Role } from '@/lib/auth/roles';

export async function makeUser(db: Db, role: Role, email = `${role}-${crypto.randomBytes(4).toString('hex')}@example.com`): Promise<Actor> {
  const u = await db.user.create({ data: { email, role, passwordHash: 'not-a-real-hash' } });
  return { id: u.id, email: u.email, name: u.name, role };
}

/** One photo holding `n` faces in a row; returns the face ids, left to right. */
export async function makeFaces(db: Db, uploaderId: string, n: number, opts: { wholeImage?: boolean; createdAt?: Date } = {}): Promise<string[]> {
  const photo = await db.photo.create({
    data: {
      sha256: crypto.randomBytes(32).toString('hex'),
      uploaderId,
      originalName: 'group.jpg',
      format: 'jpeg',
      width: 100 * n,
      height: 200,
      bytes: 1000,
    },
  });
  const base = opts.createdAt ?? new Date();
  await db.face.createMany({
    data: Array.from({ length: n }, (_, i) => ({
      photoId: photo.id,
      index: i,
      x: 100 * i + 10,
      y: 20,
      w: 80,
      h: 80,
      score: opts.wholeImage ? null : 0.9,
      wholeImage: opts.wholeImage ?? false,
      phash: crypto.randomBytes(8).toString('hex'),
      createdAt: new Date(base.getTime() + i),
    })),
  });
  const faces = await db.face.findMany({ where: { photoId: photo.id }, orderBy: { index: 'asc' }, select: { id: true } });
  return faces.map((f) => f.id);
}

export type Team = { t: TestDb; admin: Actor; ann: Actor; bob: Actor; ids: string[] };

/** A fresh database with an admin, two labelers (ann, bob) and one photo of `faces` unlabelled faces. */
export async function team(faces: number): Promise<Team> {
  const t = await freshDb();
  const admin = await makeUser(t.db, 'admin');
  const ann = await makeUser(t.db, 'labeler');
  const bob = await makeUser(t.db, 'labeler');
  return { t, admin, ann, bob, ids: await makeFaces(t.db, admin.id, faces) };
}
