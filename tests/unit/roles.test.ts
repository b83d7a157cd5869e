import { describe, expect, it } from 'vitest';
import { hasRole, requireRole } from '@/lib/auth/roles';
import { ForbiddenError, UnauthenticatedError } from '@/lib/errors';

const actor = (role: 'admin' | 'labeler' | 'viewer') => ({ id: '1', email: 'a@b.c', name: null, role });

describe('roles', () => {
  it('orders admin over labeler over viewer', () => {
    expect(hasRole('admin', 'labeler')).toBe(true);
    expect(hasRole('labeler', 'viewer')).toBe(true);
    expect(hasRole('labeler', 'admin')).toBe(false);
    expect(hasRole('viewer', 'labeler')).toBe(false);
    expect(hasRole('superuser', 'viewer')).toBe(false);
  });

  it('requireRole: 401 when anonymous, 403 for the wrong role', () => {
    expect(() => requireRole(null, 'viewer')).toThrow(UnauthenticatedError);
    expect(() => requireRole(actor('labeler'), 'admin')).toThrow(ForbiddenError);
    expect(requireRole(actor('admin'), 'labeler').role).toBe('admin');
  });
});

describe('policy', () => {
  const as = (role: 'viewer' | 'labeler' | 'admin', id = 'me') => ({ id, role });
  it('lets the uploader (a labeler) or an admin delete a photo, nobody else', async () => {
    const { may } = await import('@/lib/auth/policy');
    const photo = { uploaderId: 'me' };
    expect(may.deletePhoto(as('labeler'), photo)).toBe(true);
    expect(may.deletePhoto(as('admin', 'other'), photo)).toBe(true);
    expect(may.deletePhoto(as('labeler', 'other'), photo)).toBe(false);
    // a viewer who once uploaded (then lost the labeler role) may not
    expect(may.deletePhoto(as('viewer'), photo)).toBe(false);
  });
  it('keeps model, review and target management for admins, labelling for labelers', async () => {
    const { may } = await import('@/lib/auth/policy');
    for (const rule of [may.manageModels, may.manageReviews, may.setTargets]) {
      expect([rule(as('viewer')), rule(as('labeler')), rule(as('admin'))]).toEqual([false, false, true]);
    }
    expect([may.label(as('viewer')), may.label(as('labeler')), may.label(as('admin'))]).toEqual([false, true, true]);
  });
});
