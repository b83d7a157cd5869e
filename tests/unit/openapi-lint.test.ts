// The API description is what generated clients are built from (issue 22): it must pass Redocly's
// recommended rules with no error and no warning. The document is built exactly as
// GET /api/openapi.json builds it, written to a temporary file and linted by `redocly lint`.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { apiDocument } from '@/app/_server/openapi';

const root = path.join(__dirname, '..', '..');

type Problem = { ruleId: string; severity: string; message: string; location?: { pointer?: string }[] };

describe("the API description passes Redocly's recommended rules", () => {
  it('has no error and no warning', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-openapi-'));
    try {
      const file = path.join(dir, 'openapi.json');
      fs.writeFileSync(file, JSON.stringify(await apiDocument(), null, 2));
      // The devDependency @redocly/cli; REDOCLY_BIN points elsewhere (a checkout whose node_modules lacks it).
      const bin = process.env.REDOCLY_BIN || path.join(root, 'node_modules', '.bin', 'redocly');
      const run = await promisify(execFile)(bin, ['lint', file, '--config', path.join(root, 'redocly.yaml'), '--format', 'json', '--max-problems', '1000'], {
        cwd: dir,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
        maxBuffer: 32 * 1024 * 1024,
      }).catch((err: { stdout?: string; stderr?: string; code?: number }) => {
        // redocly exits 1 when it finds errors; the JSON report is still on stdout.
        if (!err.stdout) throw new Error(`redocly lint did not run: ${err.stderr ?? err}`);
        return { stdout: err.stdout, stderr: err.stderr ?? '' };
      });
      const report = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as { totals: { errors: number; warnings: number }; problems: Problem[] };
      const lines = report.problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} (${p.location?.[0]?.pointer ?? ''})`);
      expect(lines, 'redocly lint problems').toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
