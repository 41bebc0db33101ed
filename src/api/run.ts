// Inference and top-1 evaluation through the library: float models on the f32 kernels, quantized
// ones on the integer wasm kernels (SIMD build when the runtime has it, or as asked).

import { DataError } from '../data/dataset.js';
import { argmaxRow, floatClassifier, type Classifier } from '../eval/evaluate.js';
import { ModelError } from '../ir/errors.js';
import { shapeStr } from '../ir/tensor.js';
import { QExecutor } from '../runtime/q-executor.js';
import { loadEngine } from '../runtime/wasm-loader.js';
import type { WeightForm } from '../plan/layer-step.js';
import { batchCount, checkSource, type ImageSource } from './data.js';
import type { Model } from './model.js';
import { checkAbort, yieldNow, type CallOptions } from './progress.js';

export interface EngineOptions {
  /** true: the SIMD wasm build (an error where unsupported); false: the scalar build; default: SIMD when supported */
  simd?: boolean;
  /** quantized models: resident weights 'compact' (default: int8 at 1 B, power-of-two at the code width) or 'fast' (int8 as int16, shift-add tap lists); same outputs */
  weights?: WeightForm;
}

/** Largest batch handed to a kernel call at once. */
export const MAX_BATCH = 100;

type Runner = { run(images: Float32Array, n: number): Float32Array; simd: boolean; capacity: number };
const runners = new WeakMap<Model, Map<string, Runner>>();

function weightForm(o: EngineOptions): WeightForm {
  const w = o.weights ?? 'compact';
  if (w !== 'compact' && w !== 'fast') throw new DataError(`weights must be 'compact' or 'fast', got '${String(o.weights)}'`);
  return w;
}

/**
 * One executor per model, build and weight form, on its own engine (kept while the model is
 * alive), planned for the largest batch asked so far (at most MAX_BATCH): memory follows the data.
 */
async function runner(m: Model, o: EngineOptions, batch: number): Promise<Runner> {
  const weights = weightForm(o);
  let byKey = runners.get(m);
  if (!byKey) runners.set(m, (byKey = new Map()));
  const key = `${o.simd}/${weights}`;
  let r = byKey.get(key);
  if (!r || r.capacity < Math.min(batch, MAX_BATCH)) {
    const engine = await loadEngine({ simd: o.simd });
    if (m.kind === 'quantized') {
      const capacity = Math.min(MAX_BATCH, Math.max(batch, r?.capacity ?? 1));
      const ex = new QExecutor(m.q, engine, capacity, { weights });
      r = { run: (x, n) => ex.run(x, n)[0]!.slice(), simd: engine.simd, capacity };
    } else {
      const c: Classifier = floatClassifier(m.float, engine);
      const fixed = m.float.fixedBatch;
      r = { run: (x, n) => {
        if (fixed !== undefined && n !== fixed) throw new ModelError(`the model has a fixed batch of ${fixed}, got ${n} images`);
        return c.run(x, n).slice();
      }, simd: engine.simd, capacity: MAX_BATCH };
    }
    byKey.set(key, r);
  }
  return r;
}

const per = (m: Model) => m.inputShape.reduce((p, d) => p * d, 1);

/** Logits [n, classes] of n images (NCHW float32, normalised as the model expects). */
export async function run(model: Model, images: Float32Array, o: EngineOptions = {}): Promise<Float32Array> {
  if (!(images instanceof Float32Array)) throw new DataError('run: images must be a Float32Array');
  const n = images.length / per(model);
  if (!Number.isInteger(n) || n < 1) throw new DataError(`run: ${images.length} values is not a whole number of ${shapeStr([...model.inputShape])} images`);
  const step = model.kind === 'float' && model.float.fixedBatch !== undefined ? model.float.fixedBatch : MAX_BATCH;
  const r = await runner(model, o, Math.min(n, step));
  const out = new Float32Array(n * model.classes);
  for (let s = 0; s < n; s += step) {
    const k = Math.min(step, n - s);
    out.set(r.run(images.subarray(s * per(model), (s + k) * per(model)), k), s * model.classes);
  }
  return out;
}

/** Whether run() on this model uses the SIMD build with these options. */
export async function usesSimd(model: Model, o: EngineOptions = {}): Promise<boolean> {
  return (await runner(model, o, 1)).simd;
}

/** The class with the largest logit for each image. */
export function predictions(logits: Float32Array, classes: number): Uint8Array {
  const n = logits.length / classes, out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = argmaxRow(logits, i, classes);
  return out;
}

export interface EvaluateOptions extends CallOptions, EngineOptions {
  /** stop after this many images */
  limit?: number;
}

export interface Accuracy {
  correct: number;
  total: number;
  /** percent, 0-100 */
  top1: number;
  seconds: number;
}

/** Top-1 accuracy over labelled batches. */
export async function evaluate(model: Model, data: ImageSource, o: EvaluateOptions = {}): Promise<Accuracy> {
  const limit = o.limit ?? Infinity;
  if (!(limit === Infinity || (Number.isInteger(limit) && limit > 0))) throw new DataError(`evaluate: limit must be a positive integer, got ${o.limit}`);
  checkSource(data, 'evaluate');
  const t0 = performance.now();
  let correct = 0, total = 0, index = 0;
  for await (const b of data as AsyncIterable<{ images: Float32Array; labels?: ArrayLike<number> }>) {
    checkAbort(o.signal);
    const n = Math.min(batchCount(b, per(model), index), limit - total);
    if (!b.labels) throw new DataError(`evaluate: batch ${index} has no labels`);
    const p = predictions(await run(model, b.images.subarray(0, n * per(model)), o), model.classes);
    for (let i = 0; i < n; i++) if (p[i] === b.labels[i]) correct++;
    total += n;
    index++;
    o.onProgress?.({ stage: 'evaluate', done: total, total: Number.isFinite(limit) ? limit : NaN });
    await yieldNow();
    if (total >= limit) break;
  }
  if (total === 0) throw new DataError('evaluate: the source gave no images');
  return { correct, total, top1: (100 * correct) / total, seconds: (performance.now() - t0) / 1000 };
}
