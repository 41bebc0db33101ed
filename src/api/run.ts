// Inference and top-1 evaluation through the library: float models on the f32 kernels, quantized
// ones on the integer wasm kernels (SIMD build when the runtime has it, or as asked).

import { DataError } from '../data/dataset.js';
import { argmaxRow, floatClassifier, type Classifier } from '../eval/evaluate.js';
import { ModelError } from '../ir/errors.js';
import { shapeStr } from '../ir/tensor.js';
import { ParallelQExecutor } from '../runtime/parallel-executor.js';
import { QExecutor } from '../runtime/q-executor.js';
import { defaultThreads } from '../runtime/thread-pool.js';
import { isSharedMemorySupported, loadEngine } from '../runtime/wasm-loader.js';
import type { WeightForm } from '../plan/layer-step.js';
import { batchCount, checkSource, type ImageSource } from './data.js';
import type { Model } from './model.js';
import { checkAbort, yieldNow, type CallOptions } from './progress.js';

export interface EngineOptions {
  /** true: the SIMD wasm build (an error where unsupported); false: the scalar build; default: SIMD when supported */
  simd?: boolean;
  /**
   * Quantized models: threads of one inference, the calling one included (1: no workers, the
   * one-thread path). Default: every core where wasm memory can be shared (in a page: when
   * cross-origin isolated; elsewhere 1), used only as far as a call has work for them (about
   * 2 M MACs per thread). Same output bytes for every count. Float models run on one thread.
   */
  threads?: number;
  /** quantized models: resident weights 'compact' (default: int8 at 1 B, power-of-two at the code width) or 'fast' (int8 as int16, shift-add tap lists); same outputs */
  weights?: WeightForm;
}

/** MACs per thread below which the default thread count uses fewer threads for a call. */
export const MIN_MACS_PER_THREAD = 2_000_000;

/** Largest batch handed to a kernel call at once. */
export const MAX_BATCH = 100;

type Runner = { run(images: Float32Array, n: number): Float32Array; simd: boolean; threads: number; capacity: number; dispose?: () => Promise<void> };
const runners = new WeakMap<Model, Map<string, Promise<Runner>>>();

function weightForm(o: EngineOptions): WeightForm {
  const w = o.weights ?? 'compact';
  if (w !== 'compact' && w !== 'fast') throw new DataError(`weights must be 'compact' or 'fast', got '${String(o.weights)}'`);
  return w;
}

/** The thread count asked for (checked), or the default where shared memory is available. */
async function threadsOf(o: EngineOptions): Promise<{ threads: number; auto: boolean }> {
  if (o.threads !== undefined) {
    if (!Number.isInteger(o.threads) || o.threads < 1 || o.threads > 64) throw new RangeError(`threads must be an integer in [1, 64], got ${o.threads}`);
    if (o.threads > 1 && !isSharedMemorySupported()) throw new RangeError(`threads: ${o.threads} needs shared WebAssembly memory, which this runtime lacks (in a page: cross-origin isolation); use threads: 1`);
    return { threads: o.threads, auto: false };
  }
  return { threads: isSharedMemorySupported() ? await defaultThreads() : 1, auto: true };
}

/**
 * One executor per model, build, thread count and weight form, on its own engine (kept while the
 * model is alive, until dispose()), planned for the largest batch asked so far (at most
 * MAX_BATCH): memory follows the data.
 */
async function runner(m: Model, o: EngineOptions, batch: number): Promise<Runner> {
  const weights = weightForm(o);
  let byKey = runners.get(m);
  if (!byKey) runners.set(m, (byKey = new Map()));
  const key = `${o.simd} ${o.threads} ${weights}`;
  const want = Math.min(Math.max(1, batch), MAX_BATCH);
  const old = byKey.get(key);
  const prev = old ? await old.catch(() => undefined) : undefined;
  if (prev && prev.capacity >= want) return prev;
  const r = makeRunner(m, o, weights, Math.max(want, prev?.capacity ?? 1));
  byKey.set(key, r);
  r.catch(() => byKey.delete(key));
  if (prev) void r.then(() => prev.dispose?.(), () => undefined);
  return r;
}

async function makeRunner(m: Model, o: EngineOptions, weights: WeightForm, capacity: number): Promise<Runner> {
  const t = await threadsOf(o);
  if (m.kind === 'quantized' && t.threads > 1) {
    const ex = await ParallelQExecutor.create(m.q, capacity, { threads: t.threads, simd: o.simd, weights, minMacsPerThread: t.auto ? MIN_MACS_PER_THREAD : 0 });
    return { run: (x, n) => ex.run(x, n)[0]!.slice(), simd: ex.simd, threads: ex.threads, capacity, dispose: () => ex.dispose() };
  }
  const engine = await loadEngine({ simd: o.simd });
  if (m.kind === 'quantized') {
    const ex = new QExecutor(m.q, engine, capacity, { weights });
    return { run: (x, n) => ex.run(x, n)[0]!.slice(), simd: engine.simd, threads: 1, capacity };
  }
  const c: Classifier = floatClassifier(m.float, engine);
  const fixed = m.float.fixedBatch;
  return { run: (x, n) => {
    if (fixed !== undefined && n !== fixed) throw new ModelError(`the model has a fixed batch of ${fixed}, got ${n} images`);
    return c.run(x, n).slice();
  }, simd: engine.simd, threads: 1, capacity: MAX_BATCH };
}

/** Stops the worker threads run() started for this model (they never keep a process alive; this frees them now). */
export async function dispose(model: Model): Promise<void> {
  const byKey = runners.get(model);
  runners.delete(model);
  if (!byKey) return;
  const all = await Promise.allSettled(byKey.values());
  await Promise.all(all.map((r) => (r.status === 'fulfilled' ? r.value.dispose?.() : undefined)));
}

/** The default `threads`: every core where wasm memory can be shared (in a page: when cross-origin isolated), else 1. */
export async function defaultThreadCount(): Promise<number> {
  return (await threadsOf({})).threads;
}

/** Threads run() uses for this model with these options (at most; a small call may use fewer). */
export async function usesThreads(model: Model, o: EngineOptions = {}): Promise<number> {
  return (await runner(model, o, 1)).threads;
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
