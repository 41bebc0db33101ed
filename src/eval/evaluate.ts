// Top-1 accuracy of a classifier (float or quantized) over a dataset, batch by batch.

import type { Dataset } from '../data/dataset.js';
import { ModelError } from '../ir/errors.js';
import { f32, shapeStr } from '../ir/tensor.js';
import { F32Executor } from '../runtime/f32-executor.js';
import type { FloatModel } from '../runtime/float-model.js';
import type { QGraph } from '../ir/qgraph.js';
import type { Engine } from '../engine/engine.js';
import { QExecutor, type QExecutorOptions } from '../runtime/q-executor.js';
import { runQReference } from '../runtime/reference/q-reference-executor.js';

/** Anything that maps a batch of NCHW float images to [n, classes] logits. */
export interface Classifier {
  /** per-image input shape, CHW */
  readonly inputShape: readonly number[];
  /** a batch size the model insists on (fixed-batch ONNX files) */
  readonly fixedBatch?: number;
  run(images: Float32Array, n: number): Float32Array;
}

export interface EvalOptions {
  batch: number;
  limit?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface EvalResult {
  correct: number;
  total: number;
  /** percent, 0-100 */
  top1: number;
  seconds: number;
}

/** Index of the largest value in row r of a [rows, k] matrix (first one on ties). */
export function argmaxRow(logits: ArrayLike<number>, r: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (logits[r * k + j]! > logits[r * k + best]!) best = j;
  return best;
}

/** How many rows of [labels.length, k] logits have their largest value at the label. */
export function countCorrect(logits: ArrayLike<number>, labels: Uint8Array, k: number): number {
  let c = 0;
  for (let i = 0; i < labels.length; i++) if (argmaxRow(logits, i, k) === labels[i]) c++;
  return c;
}

/** A float model as a Classifier: one executor per batch size, wasm convolutions when `engine` is given. */
export function floatClassifier(model: FloatModel, engine?: Engine): Classifier {
  const executors = new Map<number, F32Executor>();
  const g1 = model.graphFor(model.fixedBatch ?? 1);
  const inp = g1.inputs[0]!;
  const out = g1.outputs[0]!;
  if (out.shape.length !== 2) throw new ModelError(`the model output '${out.name}' is ${shapeStr(out.shape)}, a classifier needs [batch, classes]`);
  return {
    inputShape: inp.shape.slice(1),
    fixedBatch: model.fixedBatch,
    run(images, n) {
      let ex = executors.get(n);
      if (!ex) executors.set(n, (ex = new F32Executor(model.graphFor(n), { engine })));
      const g = ex.graph;
      return ex.run({ [g.inputs[0]!.name]: f32(g.inputs[0]!.shape, images) })[g.outputs[0]!.name]!.data as Float32Array;
    },
  };
}

/** A quantized graph on the wasm integer kernels, planned for batches up to `maxBatch`. */
export function quantizedClassifier(q: QGraph, engine: Engine, maxBatch: number, opts: QExecutorOptions = {}): Classifier {
  const ex = new QExecutor(q, engine, maxBatch, opts);
  return { inputShape: q.input.floatShape ?? q.input.shape, run: (images, n) => ex.run(images, n)[0]! };
}

/** A quantized graph on the plain-loop integer reference (slow; the oracle). */
export function referenceQClassifier(q: QGraph): Classifier {
  return { inputShape: q.input.floatShape ?? q.input.shape, run: (images, n) => runQReference(q, images, n).outputs[0]! };
}

export async function evaluate(model: Classifier, data: Dataset, opts: EvalOptions): Promise<EvalResult> {
  const batch = model.fixedBatch ?? opts.batch;
  if (!Number.isInteger(batch) || batch < 1) throw new ModelError(`batch must be a positive integer, got ${opts.batch}`);
  const { c, h, w } = data.shape;
  const want = [c, h, w];
  if (model.inputShape.length !== 3 || model.inputShape.some((d, i) => d !== want[i]))
    throw new ModelError(`the model expects input ${shapeStr([batch, ...model.inputShape])}, the data has ${c}x${h}x${w} images`);
  const total = Math.min(data.size, opts.limit ?? Infinity);
  const t0 = performance.now();
  let correct = 0, seen = 0;
  for await (const b of data.batches(batch, { limit: opts.limit })) {
    if (model.fixedBatch !== undefined && b.count !== model.fixedBatch) break; // a fixed-batch model cannot take the tail
    const logits = model.run(b.images, b.count);
    const k = logits.length / b.count;
    if (!Number.isInteger(k) || k < 1) throw new ModelError(`the model returned ${logits.length} outputs for ${b.count} images`);
    for (let i = 0; i < b.count; i++) {
      if (b.labels[i]! >= k) throw new ModelError(`label ${b.labels[i]} of image ${seen + i} is out of range for a model with ${k} outputs`);
      if (argmaxRow(logits, i, k) === b.labels[i]) correct++;
    }
    seen += b.count;
    opts.onProgress?.(seen, total);
  }
  if (seen === 0) throw new ModelError('the data set has no images to evaluate');
  return { correct, total: seen, top1: (100 * correct) / seen, seconds: (performance.now() - t0) / 1000 };
}
