// Child processes for the hardware tests, spawned asynchronously (a blocking spawnSync stalls
// the vitest worker, see the guide).

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/onnx-builder.js';

export interface Run {
  code: number;
  out: string;
  err: string;
}

export function run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: opts.cwd ?? REPO_ROOT, maxBuffer: 256 << 20, timeout: opts.timeoutMs ?? 600_000 }, (e, out, err) => {
      const code = e ? (typeof (e as { code?: unknown }).code === 'number' ? ((e as { code: number }).code) : 1) : 0;
      resolve({ code, out: String(out), err: String(err) });
    });
  });
}

/** The built CLI, as a user runs it. */
export const doubleq = (...args: string[]) => run(process.execPath, [join(REPO_ROOT, 'bin', 'doubleq.js'), ...args]);
