// Runs the built CLI (bin/doubleq.js) as a user does, in a child process.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { REPO_ROOT } from './onnx-builder.js';

const BIN = join(REPO_ROOT, 'bin', 'doubleq.js');

export function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A failing command: non-zero exit (not 70, the internal-error code), nothing on stdout, one line on stderr, no stack. */
export function failure(...args: string[]): string {
  const r = cli(...args);
  expect(r.code, r.err).not.toBe(0);
  expect(r.code).not.toBe(70);
  expect(r.out).toBe('');
  const lines = r.err.trimEnd().split('\n');
  expect(lines, r.err).toHaveLength(1);
  expect(r.err).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

export function requireBuiltCli(): void {
  if (!existsSync(join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error('the CLI is not built: run `npm run build` first');
}
