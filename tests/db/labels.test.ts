import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { makeFaces, makeUser } from '../helpers/faces';
import type { Actor } from '@/lib/auth/roles';
import { assignLabels, faceWithHistory, labelFace, labelQueue, undoLastLabel } from '@/lib/dataset/labels';
import { listFaces } from '@/lib/dataset/gallery';

let t: TestDb;
let ann: Actor;
let bob: Actor;
let vic: Actor;
let faces: string[];

beforeAll(async () => {
  t = await freshDb();
  ann = await makeUser(t.db, 'labeler');
  bob = await makeUser(t.db, 'labeler');
  vic = await makeUser(t.db, 'viewer');
  faces = await makeFaces(t.db, ann.id, 6);
});
afterAll(async () => t.cleanup());

const face = (id: string) => t.db.face.findUniqueOrThrow({ where: { id } });

describe('labels and their history', () => {
  it('a label sets the face label and records who changed what', async () => {
    const change = await labelFace(t.db, ann, faces[0], 'mask_old');
    expect(change).toEqual({ faceId: faces[0], oldLabel: null, newLabel: 'mask_old' });
    const f = await face(faces[0]);
    expect(f.label).toBe('mask_old');
    expect(f.labelledById).toBe(ann.id);
    expect(f.labelledAt).toBeInstanceOf(Date);
    await labelFace(t.db, bob, faces[0], 'nomask_young');
    const { history } = (await faceWithHistory(t.db, faces[0]))!;
    expect(history.map((h) => [h.user.id, h.oldLabel, h.newLabel, h.kind])).toEqual([
      [bob.id, 'mask_old', 'nomask_young', 'label'],
      [ann.id, null, 'mask_old', 'label'],
    ]);
    expect((await face(faces[0])).label).toBe('nomask_young'); // the latest wins
  });

  it('giving a face the label it already has records nothing', async () => {
    expect(await labelFace(t.db, bob, faces[0], 'nomask_young')).toBeNull();
    expect(await t.db.labelEvent.count({ where: { faceId: faces[0] } })).toBe(2);
  });

  it('refuses viewers, unknown labels and unknown faces, and changes nothing', async () => {
    await expect(labelFace(t.db, vic, faces[1], 'mask_old')).rejects.toThrow(/labeler role/);
    await expect(labelFace(t.db, ann, faces[1], 'hat' as never)).rejects.toThrow(/label is one of/);
    await expect(labelFace(t.db, ann, 'no-such-face', 'mask_old')).rejects.toThrow(/No face with id no-such-face/);
    await expect(assignLabels(t.db, ann, [faces[1], 'nope'], 'mask_old')).rejects.toThrow(/No face/);
    expect((await face(faces[1])).label).toBeNull();
    expect(await t.db.labelEvent.count({ where: { faceId: faces[1] } })).toBe(0);
  });

  it('undo restores the previous label and labeller, records the undo, and walks back', async () => {
    await labelFace(t.db, ann, faces[2], 'mask_young');
    await labelFace(t.db, ann, faces[3], 'excluded');
    await labelFace(t.db, ann, faces[2], 'nomask_old');

    expect(await undoLastLabel(t.db, ann)).toEqual({ faceId: faces[2], oldLabel: 'nomask_old', newLabel: 'mask_young' });
    expect((await face(faces[2])).label).toBe('mask_young');
    expect(await undoLastLabel(t.db, ann)).toEqual({ faceId: faces[3], oldLabel: 'excluded', newLabel: null });
    const f3 = await face(faces[3]);
    expect([f3.label, f3.labelledById, f3.labelledAt]).toEqual([null, null, null]);
    expect(await undoLastLabel(t.db, ann)).toEqual({ faceId: faces[2], oldLabel: 'mask_young', newLabel: null });
    expect((await face(faces[2])).label).toBeNull();

    const { history } = (await faceWithHistory(t.db, faces[2]))!;
    expect(history.map((h) => `${h.kind}:${h.oldLabel}->${h.newLabel}`)).toEqual([
      'undo:mask_young->null',
      'undo:nomask_old->mask_young',
      'label:mask_young->nomask_old',
      'label:null->mask_young',
    ]);
  });

  it('undo gives back the earlier labeller, and passes over labels someone else has replaced since', async () => {
    await labelFace(t.db, bob, faces[4], 'mask_old');
    await labelFace(t.db, ann, faces[4], 'mask_young');
    await undoLastLabel(t.db, ann);
    const f = await face(faces[4]);
    expect([f.label, f.labelledById]).toEqual(['mask_old', bob.id]);

    const [p, q] = await makeFaces(t.db, ann.id, 2);
    await labelFace(t.db, ann, p, 'nomask_young');
    await labelFace(t.db, ann, q, 'mask_old');
    await labelFace(t.db, bob, q, 'nomask_old'); // bob replaces ann's label on q
    expect(await undoLastLabel(t.db, ann)).toEqual({ faceId: p, oldLabel: 'nomask_young', newLabel: null });
    expect((await face(q)).label).toBe('nomask_old'); // bob's label stays
    await expect(undoLastLabel(t.db, vic)).rejects.toThrow(/labeler role/);
  });

  it('undo walks back through several labels of the same face, then stops', async () => {
    const [r] = await makeFaces(t.db, ann.id, 1);
    const carol = await makeUser(t.db, 'labeler');
    await labelFace(t.db, carol, r, 'mask_old');
    await labelFace(t.db, carol, r, 'nomask_old');
    await labelFace(t.db, carol, r, 'mask_old');
    const seq = [];
    for (let i = 0; i < 4; i++) seq.push((await undoLastLabel(t.db, carol))?.newLabel);
    expect(seq).toEqual(['nomask_old', 'mask_old', null, undefined]);
    expect((await face(r)).label).toBeNull();
  });

  it('assigns one class to a whole selection in one transaction', async () => {
    const ids = await makeFaces(t.db, bob.id, 4);
    await labelFace(t.db, ann, ids[0], 'nomask_young');
    const { changed, unchanged } = await assignLabels(t.db, bob, ids, 'nomask_young');
    expect(changed.map((c) => c.faceId).sort()).toEqual(ids.slice(1).sort());
    expect(unchanged).toBe(1);
    expect(await t.db.face.count({ where: { id: { in: ids }, label: 'nomask_young' } })).toBe(4);
  });

  it('the queue serves unlabelled faces in order, after a cursor that may since be labelled', async () => {
    const ids = await makeFaces(t.db, ann.id, 5, { createdAt: new Date('2030-01-01T00:00:00Z') });
    const all = await labelQueue(t.db, { limit: 100 });
    expect(all.every((f) => f.label === null)).toBe(true);
    expect(all.slice(-5).map((f) => f.id)).toEqual(ids);
    await labelFace(t.db, ann, ids[1], 'mask_old');
    expect((await labelQueue(t.db, { after: ids[1], limit: 2 })).map((f) => f.id)).toEqual([ids[2], ids[3]]);
    expect((await labelQueue(t.db, { after: ids[0], limit: 2, exclude: [ids[2]] })).map((f) => f.id)).toEqual([ids[3], ids[4]]);
    expect(all[0].box).toEqual({ x: expect.any(Number), y: 20, w: 80, h: 80 });
  });

  it('spreads labelers over the queue and wraps round to the oldest faces', async () => {
    const unlabelled = (await labelQueue(t.db, { limit: 100 })).map((f) => f.id);
    const starts = new Set<string>();
    for (const u of ['u1', 'u2', 'u3', 'u4', 'u5', 'u6']) {
      const q = (await labelQueue(t.db, { spreadKey: u, limit: unlabelled.length })).map((f) => f.id);
      starts.add(q[0]);
      // every unlabelled face once: from the user's starting point to the end, then from the start
      const at = unlabelled.indexOf(q[0]);
      expect(q).toEqual([...unlabelled.slice(at), ...unlabelled.slice(0, at)]);
    }
    expect(starts.size).toBeGreaterThan(1);
    // after the last face: wraps to the oldest, leaving out what the caller holds
    const last = unlabelled[unlabelled.length - 1];
    expect((await labelQueue(t.db, { after: last, limit: 2, exclude: [unlabelled[0]] })).map((f) => f.id)).toEqual(unlabelled.slice(1, 3));
  });

  it('the grid filters by label, uploader and whole-image samples, a page at a time', async () => {
    const whole = await makeFaces(t.db, vic.id, 3, { wholeImage: true });
    expect((await listFaces(t.db, { uploader: vic.id })).total).toBe(3);
    expect((await listFaces(t.db, { whole: 'yes' })).faces.map((f) => f.id).sort()).toEqual([...whole].sort());
    const byClass = await listFaces(t.db, { label: 'nomask_young' });
    expect(byClass.faces.every((f) => f.label === 'nomask_young')).toBe(true);
    expect(byClass.total).toBe(await t.db.face.count({ where: { label: 'nomask_young' } }));
    const unl = await listFaces(t.db, { label: 'unlabelled', pageSize: 10, page: 2 }, { order: 'oldest' });
    expect(unl.total).toBe(await t.db.face.count({ where: { label: null } }));
    expect(unl.pages).toBe(Math.ceil(unl.total / 10));
    expect(unl.faces.length).toBe(Math.min(10, unl.total - 10));
  });
});
