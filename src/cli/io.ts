// File and model loading for the CLI (Node only), with one-line errors.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError } from '../data/dataset.js';
import { DATASET_FORMATS, type DatasetFormat } from '../data/node-files.js';
import { isQModel, readQModel } from '../format/qmodel.js';
import { ModelError } from '../ir/errors.js';
import type { QGraph } from '../ir/qgraph.js';
import { QuantizationError } from '../core/errors.js';
import { FloatModel } from '../runtime/float-model.js';

/** Bad usage (a flag value, a combination of flags): one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A file that cannot be read, written or used (missing, wrong kind, damaged): one line, exit code 1. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** An enumerated flag value, checked against the known values (usage error otherwise). */
export function oneOf<T extends string>(value: string, known: readonly T[], flag: string): T {
  if (!(known as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${known.join(', ')}, got '${value}'`);
  return value as T;
}

export function readFileBytes(path: string, what = 'file'): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new InputError(`${what} is not a regular file: ${path}`);
    size = st.size;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`no such ${what}: ${path}`);
  }
  if (size > 2 ** 31) throw new InputError(`${what} is too large (${size} bytes): ${path}`);
  return new Uint8Array(readFileSync(path));
}

export function loadModel(path: string): FloatModel {
  const bytes = readFileBytes(path, 'model file');
  if (isQModel(bytes)) throw new InputError(`${path} is already a quantized .dq model; this command needs the float .onnx`);
  return floatModel(path, bytes);
}

export type AnyModel = { kind: 'float'; model: FloatModel; inputShape: readonly number[]; fileBytes: number } | { kind: 'quantized'; q: QGraph; inputShape: readonly number[]; fileBytes: number };

/** A float .onnx or a quantized .dq model, told apart by the file's magic bytes. */
export function loadAnyModel(path: string): AnyModel {
  const bytes = readFileBytes(path, 'model file');
  if (isQModel(bytes)) {
    const q = readQModel(bytes);
    return { kind: 'quantized', q, inputShape: q.input.floatShape ?? q.input.shape, fileBytes: bytes.length };
  }
  if (/\.dq$/i.test(path)) throw new InputError(`${path} is not a .dq model: it does not start with the 'DBLQ' magic bytes of the doubleq format`);
  const model = floatModel(path, bytes);
  return { kind: 'float', model, inputShape: model.graphFor(model.fixedBatch ?? 1).inputs[0]!.shape.slice(1), fileBytes: bytes.length };
}

/** Bytes taken for an ONNX model: a decoding error says so, and names the file. */
function floatModel(path: string, bytes: Uint8Array): FloatModel {
  try {
    return FloatModel.fromBytes(bytes);
  } catch (e) {
    if (e instanceof ModelError && /^(not an ONNX model|invalid ONNX model)/.test(e.message)) throw new ModelError(`${path}: read as an ONNX model (it is not a .dq file): ${e.message}`);
    throw e;
  }
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

/** Runs a parser of a flag value; its DataError / QuantizationError becomes a usage error (exit 2). */
export function asUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof DataError || e instanceof QuantizationError) throw new UsageError(e.message);
    throw e;
  }
}

/** --format: the dataset formats the CLI reads. */
export function formatFlag(s: string): DatasetFormat {
  return oneOf(s, DATASET_FORMATS, '--format');
}

export function parseIntFlag(v: string, name: string, min = 1): number {
  if (!/^\d+$/.test(v.trim())) throw new UsageError(`${name} must be a whole number, got '${v}'`);
  const n = Number(v);
  if (n < min) throw new UsageError(`${name} must be at least ${min}, got ${n}`);
  return n;
}

export const WEIGHT_FORMS = ['compact', 'fast'] as const;
export const WEIGHTS_HELP = 'resident weight form of the integer executor: compact (int8 at 1 B, power-of-two at its code width) | fast (int8 as int16, power-of-two as shift-add tap lists); same outputs';

/** --weights compact|fast (default compact). */
export function weightsFlag(v: string | undefined): (typeof WEIGHT_FORMS)[number] {
  return oneOf(v ?? 'compact', WEIGHT_FORMS, '--weights');
}
