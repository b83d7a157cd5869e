// apiRoute's `form` input (app/_server/guard.ts readForm): multipart fields validated by the same zod
// schema the OpenAPI description shows.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { imageBytes } from '@/app/_server/api-fields';
import { readForm } from '@/app/_server/guard';
import { UserError } from '@/lib/errors';

const schema = z.object({
  files: z.array(z.file()).min(1, 'No files'),
  label: z.string().optional(),
  source: z.enum(['upload', 'camera']).default('upload'),
});

function multipart(fields: [string, string | File][]): Request {
  const form = new FormData();
  for (const [k, v] of fields) form.append(k, v);
  return new Request('http://x/api/photos', { method: 'POST', body: form });
}

describe('readForm', () => {
  it('gives an array field every value (one file too), another field its value; empty text counts as absent', async () => {
    const one = (await readForm(multipart([['files', new File(['a'], 'a.jpg')], ['label', '']]), schema)) as z.output<typeof schema>;
    expect(one.files.map((f) => f.name)).toEqual(['a.jpg']);
    expect(one.label).toBeUndefined();
    expect(one.source).toBe('upload');
    const two = (await readForm(
      multipart([
        ['files', new File(['a'], 'a.jpg')],
        ['files', new File(['b'], 'b.jpg')],
        ['source', 'camera'],
      ]),
      schema,
    )) as z.output<typeof schema>;
    expect(two.files.map((f) => f.name)).toEqual(['a.jpg', 'b.jpg']);
    expect(two.source).toBe('camera');
  });

  it('refuses what the schema refuses, and a body that is not multipart', async () => {
    await expect(readForm(multipart([['label', 'x']]), schema)).rejects.toBeInstanceOf(z.ZodError);
    await expect(readForm(multipart([['files', new File(['a'], 'a.jpg')], ['source', 'fax']]), schema)).rejects.toThrow(/source/);
    const json = new Request('http://x/api/photos', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    await expect(readForm(json, schema)).rejects.toThrow(new UserError('Send the request as multipart/form-data with the fields "files", "label", "source"'));
  });
});

describe('imageBytes (POST /api/predict, POST /api/preview/capture)', () => {
  it('gives the bytes of an image within the limit', async () => {
    expect(Array.from(await imageBytes(new File([new Uint8Array([1, 2, 3])], 'a.jpg'), 3, 'image'))).toEqual([1, 2, 3]);
  });

  it('refuses an image over MASKLAB_MAX_UPLOAD_MB with 413, naming its size and the limit', async () => {
    const err = await imageBytes(new File([new Uint8Array(3 * 1024 * 1024)], 'big.jpg'), 2 * 1024 * 1024, 'frame').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).status).toBe(413);
    expect((err as UserError).message).toBe('The frame is 3.0 MB, over the 2 MB limit (MASKLAB_MAX_UPLOAD_MB)');
  });
});
