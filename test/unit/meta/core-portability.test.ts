// The core runs in browsers too: only the CLI, the Node file readers and the worker pool may
// import Node modules, and nothing may touch the DOM.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/onnx-builder.js';

const NODE_ONLY = [/^src\/cli\//, /^src\/data\/node-files\.ts$/, /^src\/parallel\//];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('core portability', () => {
  const src = files(join(REPO_ROOT, 'src')).map((p) => ({ path: relative(REPO_ROOT, p), text: readFileSync(p, 'utf8') }));

  it('finds the sources', () => {
    expect(src.length).toBeGreaterThan(50);
  });

  it('imports Node modules only in the CLI, node-files.ts and the worker pool (type-only imports aside)', () => {
    const offenders = src.filter((f) => !NODE_ONLY.some((r) => r.test(f.path)))
      .filter((f) => /^import (?!type )[^;]*from '(node:|fs|path|os|worker_threads|child_process)/m.test(f.text))
      .map((f) => f.path);
    expect(offenders).toEqual([]);
  });

  it('never touches the DOM', () => {
    const offenders = src.filter((f) => /(^|[^'/.\w])(document|window)\.[a-zA-Z]/m.test(f.text)).map((f) => f.path);
    expect(offenders).toEqual([]);
  });
});
