// No import cycle between files or between folders of src/, and the numeric core at the
// bottom (src/core imports nothing else from src/). Every `import`/`export ... from` counts,
// type-only ones included: a cycle of types still ties the folders' layering together.
// Self-contained on purpose (no ../shared tool): CI runs it on a clean clone.
//
// The layering this keeps (each folder imports only folders before it):
//   core (rounding, fixed point, requantization, PoT codec) . data . ir . ops . onnx . passes
//   . format . plan . runtime . eval . parallel . quant . cli, and src/index.ts above all.
// quant sits high because calibration and layer selection run models (runtime, eval, parallel).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/onnx-builder.js';

type Graph = Map<string, Set<string>>;

/** Relative module specifiers of a TS source: static imports/re-exports and dynamic import(). */
export function specifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  for (const m of code.matchAll(/\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|\bimport\s+['"]([^'"]+)['"]/g)) {
    const s = m[1] ?? m[2] ?? m[3]!;
    if (s.startsWith('.')) out.push(s);
  }
  return out;
}

/** File graph over `files` (repo-relative path -> text): edges to files of the set only. */
export function fileGraph(files: ReadonlyMap<string, string>): Graph {
  const g: Graph = new Map([...files.keys()].map((f) => [f, new Set<string>()]));
  for (const [f, text] of files)
    for (const s of specifiers(text)) {
      const base = join(dirname(f), s).replace(/\.js$/, '.ts');
      const target = [base, `${base}.ts`, join(base, 'index.ts')].find((t) => files.has(t));
      if (target && target !== f) g.get(f)!.add(target);
    }
  return g;
}

/** Folder graph: first path segment below `root` ('(root)' for files directly in it). */
export function folderGraph(files: Graph, root: string): Graph {
  const folder = (f: string) => {
    const parts = relative(root, f).split('/');
    return parts.length > 1 ? parts[0]! : '(root)';
  };
  const g: Graph = new Map();
  for (const [f, ts] of files) {
    const a = folder(f);
    if (!g.has(a)) g.set(a, new Set());
    for (const t of ts) if (folder(t) !== a) g.get(a)!.add(folder(t));
  }
  return g;
}

/** Strongly connected components of more than one node (Tarjan), each sorted. */
export function cycles(g: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>(), low = new Map<string, number>(), onStack = new Set<string>(), stack: string[] = [], out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of g.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const v of g.keys()) if (!index.has(v)) visit(v);
  return out;
}

function sources(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.ts') && !e.endsWith('.d.ts')) out.set(relative(REPO_ROOT, p), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

describe('the checker itself', () => {
  const files = new Map([
    ['src/a/x.ts', "import type {\n  T,\n} from '../b/y.js';\n// import { no } from '../c/z.js';\n"],
    ['src/b/y.ts', "export { T } from './w.js';"],
    ['src/b/w.ts', "const m = await import('../a/x.js');"],
    ['src/c/z.ts', "import { p } from './v.js';\nimport './q.js';"],
    ['src/c/v.ts', "export const p = 1; /* import { z } from './z.js'; */"],
    ['src/c/q.ts', "import { p } from './v.js';"],
  ]);

  it('reads multi-line, type-only, re-export, dynamic and side-effect imports, not commented ones', () => {
    expect(specifiers(files.get('src/a/x.ts')!)).toEqual(['../b/y.js']);
    expect(specifiers(files.get('src/c/z.ts')!)).toEqual(['./v.js', './q.js']);
    expect(specifiers(files.get('src/c/v.ts')!)).toEqual([]);
  });

  it('finds a file cycle and a folder cycle, and no cycle where there is none', () => {
    const g = fileGraph(files);
    expect(cycles(g)).toEqual([['src/a/x.ts', 'src/b/w.ts', 'src/b/y.ts']]);
    expect(cycles(folderGraph(g, 'src'))).toEqual([['a', 'b']]);
    files.delete('src/b/w.ts');
    expect(cycles(fileGraph(files))).toEqual([]);
    files.set('src/c/v.ts', "import { z } from '../a/x.js';"); // c -> a -> b: no folder cycle
    expect(cycles(folderGraph(fileGraph(files), 'src'))).toEqual([]);
    files.set('src/b/y.ts', "import { z } from '../c/z.js';"); // a -> b -> c -> a
    expect(cycles(folderGraph(fileGraph(files), 'src'))).toEqual([['a', 'b', 'c']]);
  });
});

describe('src/ layering', () => {
  const files = sources(join(REPO_ROOT, 'src'));
  const graph = fileGraph(files);

  it('finds the sources and their imports', () => {
    expect(files.size).toBeGreaterThan(50);
    expect([...graph.values()].reduce((s, t) => s + t.size, 0)).toBeGreaterThan(100);
  });

  it('has no import cycle between files', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('has no import cycle between folders', () => {
    expect(cycles(folderGraph(graph, 'src'))).toEqual([]);
  });

  it('keeps the numeric core at the bottom: src/core imports only src/core', () => {
    const core = [...graph].filter(([f]) => f.startsWith('src/core/'));
    expect(core.length).toBeGreaterThan(3);
    const upward = core.flatMap(([f, ts]) => [...ts].filter((t) => !t.startsWith('src/core/')).map((t) => `${f} -> ${t}`));
    expect(upward).toEqual([]);
  });
});

