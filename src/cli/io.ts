// File and model loading for the CLI (Node only), with one-line errors.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isQModel, readQModel } from '../format/qmodel.js';
import type { QGraph } from '../ir/qgraph.js';
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
  const bytes = readFileBytes(path, 'model file');
  if (isQModel(bytes)) throw new UsageError(`${path} is already a quantized .dq model; this command needs the float .onnx`);
  return FloatModel.fromBytes(bytes);
}

export type AnyModel = { kind: 'float'; model: FloatModel; inputShape: readonly number[]; fileBytes: number } | { kind: 'quantized'; q: QGraph; inputShape: readonly number[]; fileBytes: number };

/** A float .onnx or a quantized .dq model, told apart by the file's magic bytes. */
export function loadAnyModel(path: string): AnyModel {
  const bytes = readFileBytes(path, 'model file');
  if (isQModel(bytes)) {
    const q = readQModel(bytes);
    return { kind: 'quantized', q, inputShape: q.input.shape, fileBytes: bytes.length };
  }
  const model = FloatModel.fromBytes(bytes);
  return { kind: 'float', model, inputShape: model.graphFor(model.fixedBatch ?? 1).inputs[0]!.shape.slice(1), fileBytes: bytes.length };
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
