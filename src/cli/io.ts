// File and model loading for the CLI (Node only), with one-line errors.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FloatModel } from '../runtime/float-model.js';

/** A user-facing error: printed as one line, exit code 1. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function readFileBytes(path: string, what = 'file'): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new UsageError(`${what} is not a regular file: ${path}`);
    size = st.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`no such ${what}: ${path}`);
  }
  if (size > 2 ** 31) throw new UsageError(`${what} is too large (${size} bytes): ${path}`);
  return new Uint8Array(readFileSync(path));
}

export function loadModel(path: string): FloatModel {
  return FloatModel.fromBytes(readFileBytes(path, 'model file'));
}

/** The embedded default model, shipped in the package's models/ folder. */
export const DEFAULT_MODEL_PATH = findUp(dirname(fileURLToPath(import.meta.url)), join('models', 'mnist-resnet.onnx'));

// src/cli/ (tests) and dist/src/cli/ (built) sit at different depths below the package root.
function findUp(dir: string, rel: string): string {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, rel))) return join(d, rel);
    if (dirname(d) === d) return join(dir, rel);
  }
}

export function parseIntFlag(v: string, name: string, min = 1): number {
  if (!/^\d+$/.test(v.trim())) throw new UsageError(`${name} must be a whole number, got '${v}'`);
  const n = Number(v);
  if (n < min) throw new UsageError(`${name} must be at least ${min}, got ${n}`);
  return n;
}
