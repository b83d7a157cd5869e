// Who may do what, in one place. Handlers and lib functions enforce these rules; pages ask
// the same rules before they show a control, so a page never offers what the handler refuses.
// Route handlers and server actions declare their minimal role in `apiRoute` / `serverAction`;
// the rules here are the ones that need more than a role, or that pages also ask.
import { ForbiddenError } from '../errors';
import { type Actor, hasRole } from './roles';

type Who = Pick<Actor, 'id' | 'role'>;

export const may = {
  /** Label faces, upload photos, answer second opinions. */
  label: (a: Who) => hasRole(a.role, 'labeler'),
  /** Add, move and delete face boxes on a photo (lib/dataset/boxes.ts). */
  editBoxes: (a: Who) => hasRole(a.role, 'labeler'),
  /** Retrain, cancel, promote and roll back models. */
  manageModels: (a: Who) => hasRole(a.role, 'admin'),
  /** Ask for second opinions and decide disagreements. */
  manageReviews: (a: Who) => hasRole(a.role, 'admin'),
  /** Set the per-class targets of the dashboard. */
  setTargets: (a: Who) => hasRole(a.role, 'admin'),
  /** A photo goes with its faces: only its uploader (a labeler or more) or an admin. */
  deletePhoto: (a: Who, photo: { uploaderId: string }) => hasRole(a.role, 'admin') || (hasRole(a.role, 'labeler') && a.id === photo.uploaderId),
};

/** Throws 403 with `message` unless `allowed`. */
export function ensure(allowed: boolean, message: string): void {
  if (!allowed) throw new ForbiddenError(message);
}
