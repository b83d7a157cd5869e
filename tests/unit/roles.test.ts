import { describe, expect, it } from 'vitest';
import { ForbiddenError, hasRole, requireRole, UnauthenticatedError } from '@/lib/auth/roles';

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
