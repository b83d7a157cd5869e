// The e2e specs validate the server's answers against /api/openapi.json with e2e/api-schema-check.ts
// (issue 22). Here, against the document the app builds: a conforming answer passes, and each way an
// answer can stray from the description fails, so a passing e2e run means the answers matched.
import { describe, expect, it } from 'vitest';
import { apiDocument } from '@/app/_server/openapi';
import { ApiSchemas, type Doc } from '../../e2e/api-schema-check';

const user = { id: 'u1', email: 'ann@example.com', name: null, role: 'labeler', disabled: false, createdAt: '2026-12-07T10:00:00.000Z' };

describe('checking an answer against the description', async () => {
  const schemas = new ApiSchemas((await apiDocument()) as unknown as Doc);

  it('passes an answer that matches, with $refs, nullable fields and date-times', () => {
    expect(() => schemas.check('GET', '/api/admin/users', 200, { users: [user] })).not.toThrow();
    expect(() => schemas.check('GET', '/api/faces?label=unlabelled&limit=2', 200, { items: [], nextCursor: null })).not.toThrow();
    expect(() => schemas.check('DELETE', '/api/tokens/abc', 404, { error: 'No such token' })).not.toThrow();
  });

  it('fails a missing field, an unlisted field, a wrong type, a value outside an enum, a bad date-time', () => {
    const { name: _name, ...noName } = user;
    expect(() => schemas.check('GET', '/api/admin/users', 200, { users: [noName] })).toThrow(/must have required property 'name'/);
    expect(() => schemas.check('GET', '/api/admin/users', 200, { users: [{ ...user, passwordHash: 'x' }] })).toThrow(/must NOT have additional properties/);
    expect(() => schemas.check('GET', '/api/admin/users', 200, { users: [{ ...user, disabled: 'no' }] })).toThrow(/must be boolean/);
    expect(() => schemas.check('GET', '/api/admin/users', 200, { users: [{ ...user, role: 'owner' }] })).toThrow(/must be equal to one of the allowed values/);
    expect(() => schemas.check('GET', '/api/admin/users', 200, { users: [{ ...user, createdAt: 'yesterday' }] })).toThrow(/must match format "date-time"/);
    expect(() => schemas.check('GET', '/api/faces', 200, { items: [] })).toThrow(/nextCursor/);
  });

  it('fails a status the operation does not describe, and a route the description does not have', () => {
    expect(() => schemas.check('GET', '/api/me', 418, { error: 'teapot' })).toThrow(/lists no 418 response/);
    expect(() => schemas.check('GET', '/api/nowhere', 200, {})).toThrow(/no such operation/);
  });

  it('takes a literal path before a template', () => {
    expect(schemas.operationOf('POST', '/api/photos/zip?name=a.zip').template).toBe('/api/photos/zip');
    expect(schemas.operationOf('DELETE', '/api/photos/abc').template).toBe('/api/photos/{id}');
    expect(schemas.operationOf('GET', '/api/reviews/next').template).toBe('/api/reviews/next');
  });
});
