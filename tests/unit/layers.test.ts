// The layering of lib/ (docs/DEVELOPING.md, "ML code"), checked on the real import graph:
// - no import cycles between lib/ folders (type-only imports count: a cycle of types is still a cycle);
// - lib/ never imports Next.js (the worker and the CLI run lib/ without it) nor app/;
// - lib/classes is a leaf; lib/inference (the browser-safe core) imports only itself, lib/classes, zod and
//   TF.js types — no Node built-ins, fs, path, sharp, Prisma or other lib/ folders;
// - client components ('use client') reach only browser-safe lib/ files (no Node, no server packages).
import fs from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';
import { describe, expect, it } from 'vitest';
import { cycles, importsOf, libLayer, ROOT, sourceFiles } from '../helpers/imports';

const libFiles = sourceFiles('lib');
const BROWSER_SAFE = ['lib/inference/', 'lib/classes/'];
const CORE_PACKAGES: Record<string, 'any' | 'type'> = { zod: 'any', '@tensorflow/tfjs': 'type' };
const isBuiltin = (spec: string) => spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]);

function layerGraph(): { graph: Map<string, Set<string>>; why: Map<string, string> } {
  const graph = new Map<string, Set<string>>();
  const why = new Map<string, string>();
  for (const file of libFiles) {
    const from = libLayer(file)!;
    if (!graph.has(from)) graph.set(from, new Set());
    for (const imp of importsOf(file)) {
      const to = imp.target && libLayer(imp.target);
      if (!to || to === from) continue;
      graph.get(from)!.add(to);
      if (!why.has(`${from}->${to}`)) why.set(`${from}->${to}`, `${file}:${imp.line} imports ${imp.spec}`);
    }
  }
  return { graph, why };
}

/**
 * Problems of one file's imports for the browser: Node built-ins, packages other than CORE_PACKAGES, and,
 * when `folders` is given, our own files outside them.
 */
function browserProblems(file: string, folders: string[] | null = BROWSER_SAFE): string[] {
  const out: string[] = [];
  for (const imp of importsOf(file)) {
    const where = `${file}:${imp.line} imports ${imp.spec}`;
    if (imp.target !== null) {
      if (folders && !folders.some((d) => imp.target!.startsWith(d))) out.push(`${where} (outside ${folders.join(' and ')})`);
    } else if (isBuiltin(imp.spec)) {
      out.push(`${where} (a Node built-in)`);
    } else {
      const pkg = imp.spec.startsWith('@') ? imp.spec.split('/').slice(0, 2).join('/') : imp.spec.split('/')[0];
      const allowed = CORE_PACKAGES[pkg];
      if (!allowed) out.push(`${where} (package not allowed in browser-safe code: ${Object.keys(CORE_PACKAGES).join(', ')})`);
      else if (allowed === 'type' && !imp.typeOnly) out.push(`${where} (only \`import type\`: the browser gets TF.js from the caller)`);
    }
  }
  return out;
}

/** `browserProblems` of `entries` and of every file of ours they reach (type-only imports are not followed). */
function walkBrowserProblems(entries: string[], folders: string[] | null): string[] {
  const seen = new Set<string>();
  const todo = [...entries];
  const problems: string[] = [];
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    problems.push(...browserProblems(file, folders));
    for (const imp of importsOf(file)) {
      if (imp.target && !imp.typeOnly && fs.existsSync(path.join(ROOT, imp.target))) todo.push(imp.target);
    }
  }
  return problems;
}

describe('lib/ layering', () => {
  it('has no import cycles between lib/ folders', () => {
    const { graph, why } = layerGraph();
    const found = cycles(graph).map((comp) => {
      const edges = comp.flatMap((a) => comp.filter((b) => graph.get(a)?.has(b)).map((b) => `    ${a} -> ${b}: ${why.get(`${a}->${b}`)}`));
      return `  cycle ${comp.join(', ')}:\n${edges.join('\n')}`;
    });
    expect(found, `lib/ folders import each other in circles:\n${found.join('\n')}`).toEqual([]);
  });

  it('never imports Next.js or app/', () => {
    const bad = libFiles.flatMap((file) =>
      importsOf(file)
        .filter((i) => i.spec === 'next' || i.spec.startsWith('next/') || i.target?.startsWith('app/'))
        .map((i) => `${file}:${i.line} imports ${i.spec}`),
    );
    expect(bad).toEqual([]);
  });

  it('keeps lib/classes a leaf that everything may import', () => {
    const bad = sourceFiles('lib/classes').flatMap((file) => importsOf(file).map((i) => `${file}:${i.line} imports ${i.spec}`));
    expect(bad).toEqual([]);
  });

  it('keeps the inference core browser-safe, through every file it reaches', () => {
    const core = sourceFiles('lib/inference');
    expect(core.length).toBeGreaterThan(3);
    expect(walkBrowserProblems(core, BROWSER_SAFE)).toEqual([]);
  });

  it('lets client components reach only browser-safe lib/ code', () => {
    const clientFiles = sourceFiles('app').filter((f) => /^\s*['"]use client['"]/.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
    expect(clientFiles.length).toBeGreaterThan(5);
    const libEntries = clientFiles.flatMap((file) =>
      importsOf(file)
        .filter((i) => i.target?.startsWith('lib/') && !i.typeOnly)
        .map((i) => i.target!),
    );
    expect(walkBrowserProblems([...new Set(libEntries)], null)).toEqual([]);
  });
});

describe('lib/ folders say what they own', () => {
  it('each folder has a README.md whose list names exactly its files', () => {
    const folders = fs.readdirSync(path.join(ROOT, 'lib'), { withFileTypes: true }).filter((e) => e.isDirectory() && e.name !== 'generated');
    expect(folders.length).toBeGreaterThan(10);
    const problems = folders.flatMap(({ name }) => {
      const dir = path.join(ROOT, 'lib', name);
      const readme = path.join(dir, 'README.md');
      if (!fs.existsSync(readme)) return [`lib/${name}/README.md is missing`];
      const listed = [...fs.readFileSync(readme, 'utf8').matchAll(/^- `([^`]+\.tsx?)`/gm)].map((m) => m[1]).sort();
      const files = fs.readdirSync(dir).filter((f) => /\.tsx?$/.test(f)).sort();
      return [
        ...files.filter((f) => !listed.includes(f)).map((f) => `lib/${name}/README.md does not list ${f}`),
        ...listed.filter((f) => !files.includes(f)).map((f) => `lib/${name}/README.md lists ${f}, which is not there`),
      ];
    });
    expect(problems).toEqual([]);
  });
});

describe('the layering checks themselves', () => {
  it('find a cycle, and only real ones', () => {
    const g = (edges: string[]) => {
      const m = new Map<string, Set<string>>();
      for (const e of edges) {
        const [a, b] = e.split('>');
        if (!m.has(a)) m.set(a, new Set());
        if (!m.has(b)) m.set(b, new Set());
        m.get(a)!.add(b);
      }
      return m;
    };
    expect(cycles(g(['ml>faces', 'faces>ml', 'training>ml']))).toEqual([['faces', 'ml']]);
    expect(cycles(g(['dataset>faces', 'faces>ml', 'ml>dataset']))).toEqual([['dataset', 'faces', 'ml']]);
    expect(cycles(g(['training>models', 'models>inference', 'training>inference']))).toEqual([]);
  });

  it('read static, type-only, dynamic and require imports', () => {
    const refs = importsOf('lib/dataset/ingest.ts');
    // ingest.ts loads the face analysis with a dynamic import (lib/faces/threads.ts, which may run it on a thread)
    expect(refs.find((r) => r.spec === '../faces/threads')).toMatchObject({ target: 'lib/faces/threads.ts', typeOnly: false });
    expect(refs.find((r) => r.spec === '../classes')).toMatchObject({ target: 'lib/classes/index.ts', typeOnly: true });
    expect(refs.find((r) => r.spec === 'node:crypto')).toMatchObject({ target: null });
    expect(importsOf('lib/images/decode.ts').some((r) => r.spec === 'heic-decode')).toBe(true);
  });

  it('flag what the browser cannot run', () => {
    const tmp = 'lib/inference/__layers_probe__.ts';
    fs.writeFileSync(
      path.join(ROOT, tmp),
      "import fs from 'node:fs';\nimport sharp from 'sharp';\nimport * as tf from '@tensorflow/tfjs';\nimport { db } from '../db';\nimport { CLASSES } from '../classes';\nimport type { Tf } from './types';\n",
    );
    try {
      const p = browserProblems(tmp);
      expect(p).toHaveLength(4);
      expect(p.join('\n')).toMatch(/node:fs.*Node built-in[\s\S]*sharp.*not allowed[\s\S]*tfjs.*only `import type`[\s\S]*\.\.\/db.*outside/);
    } finally {
      fs.rmSync(path.join(ROOT, tmp));
    }
  });
});
