// Top-1 accuracy of a float model over a dataset, batch by batch.

import type { Dataset } from '../data/dataset.js';
import { ModelError } from '../ir/errors.js';
import { f32, shapeStr } from '../ir/tensor.js';
import { F32Executor } from '../runtime/f32-executor.js';
import type { FloatModel } from '../runtime/float-model.js';
import type { Engine } from '../runtime/kernels.js';

export interface EvalOptions {
  batch: number;
  limit?: number;
  engine?: Engine;
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
export function argmaxRow(logits: Float32Array, r: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (logits[r * k + j]! > logits[r * k + best]!) best = j;
  return best;
}

export async function evaluate(model: FloatModel, data: Dataset, opts: EvalOptions): Promise<EvalResult> {
  const batch = model.fixedBatch ?? opts.batch;
  if (!Number.isInteger(batch) || batch < 1) throw new ModelError(`batch must be a positive integer, got ${opts.batch}`);
  const total = Math.min(data.size, opts.limit ?? Infinity);
  const t0 = performance.now();
  let correct = 0, seen = 0;
  const executors = new Map<number, F32Executor>();
  for await (const b of data.batches(batch, { limit: opts.limit })) {
    if (model.fixedBatch !== undefined && b.count !== model.fixedBatch) break; // a fixed-batch model cannot take the tail
    let ex = executors.get(b.count);
    if (!ex) {
      ex = new F32Executor(model.graphFor(b.count), { engine: opts.engine });
      executors.set(b.count, ex);
    }
    const g = ex.graph;
    const inp = g.inputs[0]!;
    const { c, h, w } = data.shape;
    const want = [b.count, c, h, w];
    if (inp.shape.length !== 4 || inp.shape.some((d, i) => d !== want[i]))
      throw new ModelError(`the model expects input ${shapeStr(inp.shape)}, the data has ${c}x${h}x${w} images (batch ${b.count})`);
    const out = ex.run({ [inp.name]: f32(want, b.images) });
    const logits = out[g.outputs[0]!.name]!;
    const k = logits.shape[logits.shape.length - 1]!;
    if (logits.shape.length !== 2 || logits.shape[0] !== b.count) throw new ModelError(`the model output is ${shapeStr(logits.shape)}, expected [${b.count}, classes]`);
    for (let i = 0; i < b.count; i++) {
      if (b.labels[i]! >= k) throw new ModelError(`label ${b.labels[i]} of image ${seen + i} is out of range for a model with ${k} outputs`);
      if (argmaxRow(logits.data as Float32Array, i, k) === b.labels[i]) correct++;
    }
    seen += b.count;
    opts.onProgress?.(seen, total);
  }
  if (seen === 0) throw new ModelError('the data set has no images to evaluate');
  return { correct, total: seen, top1: (100 * correct) / seen, seconds: (performance.now() - t0) / 1000 };
}
