// The model bundle's README states the model's real test metrics (meta.json `metrics`, lib/training/metrics.ts),
// and its examples load nothing from elsewhere.
import { describe, expect, it } from 'vitest';
import { bundleMeta, bundleReadme } from '@/lib/models/bundle';
import { exampleHtml, exampleMjs } from '@/lib/models/bundle-examples';
import { computeMetrics } from '@/lib/training/metrics';
import { buildModelMeta } from '@/lib/training/meta';
import { DEFAULT_HEAD } from '@/lib/training/head';

const meta = (metrics: ReturnType<typeof computeMetrics> | null) =>
  bundleMeta({
    runId: 'run1',
    dir: '/nowhere',
    meta: buildModelMeta({ runId: 'run1', head: DEFAULT_HEAD, mirrorTta: true, bestEpoch: 3, seed: 1, snapshot: { faces: 8, perSplit: { train: 8 } }, metrics }),
  });

describe('the bundle README', () => {
  it("states the model's test accuracy, macro-F1 and per-class figures", () => {
    // 8 test faces, 2 per class; one mask_old face taken for mask_young.
    const yTrue = [0, 0, 1, 1, 2, 2, 3, 3];
    const pred = [1, 0, 1, 1, 2, 2, 3, 3];
    const m = computeMetrics(yTrue, pred.map((p) => [0, 1, 2, 3].map((k) => (k === p ? 0.9 : 0.1 / 3))));
    const readme = bundleReadme(meta(m));
    expect(readme).toContain(`test accuracy 87.5%, macro-F1 ${(100 * m.macro.f1).toFixed(1)}% on 8 test faces`);
    expect(readme).not.toContain('n/a');
    expect(readme).toContain(`| \`mask_old\` | 100.0% | 50.0% | ${(100 * m.perClass.mask_old.f1).toFixed(1)}% | 2 |`);
  });

  it('says so when the model has no test metrics', () => {
    expect(bundleReadme(meta(null))).toContain('(no test metrics recorded)');
  });

  it('documents the offline examples; they import nothing from a CDN or npm but sharp', () => {
    const readme = bundleReadme(meta(null));
    expect(readme).toContain('node example.mjs');
    expect(readme).toContain('example.html');
    expect(readme).not.toMatch(/jsdelivr|unpkg|cdnjs|esm\.sh|skypack/i);
    expect(exampleHtml()).not.toMatch(/(src=["']|from\s+["'])(https?:)?\/\//);
    expect([...exampleMjs().matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1])).toEqual(['node:fs', 'node:path', 'node:vm', 'node:module', 'node:url', './masklab-classify.mjs']);
  });
});
