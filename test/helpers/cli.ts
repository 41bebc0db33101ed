// Runs the built CLI (bin/doubleq.js) as a user does, in a child process. Asynchronous on
// purpose: spawnSync blocks the vitest worker's event loop, and the runner's RPC then times out
// ("Timeout calling onTaskUpdate") and fails `npm test` with every test passed.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { REPO_ROOT } from './onnx-builder.js';

const BIN = join(REPO_ROOT, 'bin', 'doubleq.js');

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

export function cli(...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
    let out = '', err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** A failing command: non-zero exit (not 70, the internal-error code), nothing on stdout, one line on stderr, no stack. */
export async function failure(...args: string[]): Promise<string> {
  return (await failureWithCode(...args)).line;
}

/** As failure(), with the exit code. */
export async function failureWithCode(...args: string[]): Promise<{ code: number; line: string }> {
  const r = await cli(...args);
  expect(r.code, r.err).not.toBe(0);
  expect(r.code).not.toBe(70);
  expect(r.out).toBe('');
  const lines = r.err.trimEnd().split('\n');
  expect(lines, r.err).toHaveLength(1);
  expect(r.err).not.toMatch(/\n\s+at /);
  return { code: r.code!, line: lines[0]! };
}

export function requireBuiltCli(): void {
  if (!existsSync(join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error('the CLI is not built: run `npm run build` first');
}
