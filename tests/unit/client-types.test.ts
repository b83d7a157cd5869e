// The committed TypeScript client (clients/typescript) is generated from the API description. A
// route or schema change without `npm run client:generate` would ship a client whose types lie:
// regenerate here and compare with the committed file.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLIENT_TYPES_FILE, clientTypes } from '@/jobs/client-types';

describe('the committed TypeScript client', () => {
  it('matches the current API description (else: npm run client:generate, and commit it)', async () => {
    const committed = fs.readFileSync(CLIENT_TYPES_FILE, 'utf8');
    const fresh = await clientTypes();
    // On a mismatch vitest prints the diff: the operations or schemas that changed.
    expect(committed, 'clients/typescript/openapi.d.ts is stale: run npm run client:generate').toBe(fresh);
  });

  it('types files as Blobs and paths with their parameters', () => {
    const text = fs.readFileSync(CLIENT_TYPES_FILE, 'utf8');
    expect(text).toMatch(/files: Blob\[\];/); // POST /api/photos
    expect(text).toMatch(/"application\/zip": Blob;/); // GET /api/export
    expect(text).toMatch(/getRunsId: \{\s+parameters: \{[^}]*path: \{\s+id: string;/);
  });
});
