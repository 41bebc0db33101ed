// What the end-to-end benches share (int8-e2e, int8-threads, mbv2tiny-e2e, threads-batch1): the
// model quantized in the run (minmax on the first images of calib.bin, so a bench needs nothing
// but ../shared), the first test images, onnxruntime sessions as a Run, contenders created and
// timed cold, and warm passes interleaved round by round (the contender order rotating each
// round; a figure is the median over rounds). Each bench keeps its own contenders and report.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type * as ortNode from 'onnxruntime-node';
import type * as ortWeb from 'onnxruntime-web';
import { cifar10FromBytes } from '../src/data/cifar10.js';
import type { Engine } from '../src/engine/engine.js';
import { argmaxRow } from '../src/eval/evaluate.js';
import type { QGraph } from '../src/ir/qgraph.js';
import type { Step } from '../src/plan/planner.js';
import { calibrate } from '../src/quant/calibrate.js';
import { quantizeInt8 } from '../src/quant/quantize-int8.js';
import { FloatModel } from '../src/runtime/float-model.js';
import type { QExecutor } from '../src/runtime/q-executor.js';
import { loadEngine } from '../src/runtime/wasm-loader.js';

/** shared/data/cifar10/README.md: the normalisation the models were trained with */
export const NORM = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
/** floats per CIFAR-10 image (3 x 32 x 32) */
export const PER = 3 * 32 * 32;
const RECORD = 3073;

export interface Quantized { bytes: Uint8Array; model: FloatModel; engine: Engine; q8: QGraph }

/** shared/models/`file`, calibrated (minmax) on the first `calib` images of calib.bin and quantized to int8, on a SIMD engine. */
export async function quantizedModel(shared: string, file: string, calib: number): Promise<Quantized> {
  const bytes = new Uint8Array(readFileSync(resolve(shared, 'models', file)));
  const model = FloatModel.fromBytes(bytes);
  const engine = await loadEngine({ simd: true });
  const calibBytes = readFileSync(resolve(shared, 'data/cifar10/calib.bin')).subarray(0, RECORD * calib);
  const ranges = await calibrate(model, cifar10FromBytes(calibBytes, NORM), { method: 'minmax', engine });
  return { bytes, model, engine, q8: quantizeInt8(model.graphFor(1), ranges) };
}

/** The first `count` images of the CIFAR-10 test set, normalised, with their labels. */
export async function testImages(shared: string, count: number): Promise<{ images: Float32Array; labels: Uint8Array }> {
  for await (const b of cifar10FromBytes(readFileSync(resolve(shared, 'data/cifar10/test.bin')).subarray(0, RECORD * count), NORM).batches(count)) return b;
  throw new Error(`test.bin has no ${count} images`);
}

/** One inference of n images: their logits. */
export type Run = (x: Float32Array, n: number) => Float32Array | Promise<Float32Array>;
export interface Contender { key: string; label: string; create(): Promise<Run> }

/** An onnxruntime session (node or web) as a Run on the models' input `input` and output `logits`. */
export function ortRun(ort: typeof ortNode | typeof ortWeb, session: ortNode.InferenceSession): Run {
  const Tensor = ort.Tensor as typeof ortNode.Tensor;
  return async (x, n) => (await session.run({ input: new Tensor('float32', x, [n, 3, 32, 32]) })).logits!.data as Float32Array;
}

/** Creates every contender in order, timing its create and (with `first`, one image) its first run. */
export async function createAll(contenders: Contender[], first: Float32Array | null): Promise<{ runs: Map<string, Run>; cold: Map<string, { createMs: number; firstRunMs: number }> }> {
  const runs = new Map<string, Run>(), cold = new Map<string, { createMs: number; firstRunMs: number }>();
  for (const c of contenders) {
    const t0 = performance.now();
    const run = await c.create();
    const t1 = performance.now();
    if (first) await run(first, 1);
    cold.set(c.key, { createMs: t1 - t0, firstRunMs: first ? performance.now() - t1 : 0 });
    runs.set(c.key, run);
  }
  return { runs, cold };
}

export interface Pass { msPerImage: number; correct: number }

/** ms per image of one pass over `images` in calls of `batch`, and top-1 on them. */
export async function pass(run: Run, batch: number, images: Float32Array, labels: Uint8Array): Promise<Pass> {
  let correct = 0;
  const t0 = performance.now();
  for (let i = 0; i < labels.length; i += batch) {
    const logits = await run(images.subarray(i * PER, (i + batch) * PER), batch);
    for (let r = 0; r < batch; r++) if (argmaxRow(logits, r, 10) === labels[i + r]) correct++;
  }
  return { msPerImage: (performance.now() - t0) / labels.length, correct };
}

/** A contender's warm figures at one batch size. */
export interface Row { key: string; label: string; msPerImage: number; minMs: number; maxMs: number; imagesPerSecond: number; top1: number }

export const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1]!;

/**
 * A warm-up pass of every contender at every batch, then `rounds` rounds of one pass each, the
 * order rotating by one each round (`before` runs ahead of each pass). Keys `${batch}/${key}`.
 */
export async function interleaved(contenders: Contender[], runs: Map<string, Run>, batches: readonly number[], rounds: number, data: { images: Float32Array; labels: Uint8Array }, before?: () => Promise<unknown>) {
  const samples = new Map<string, number[]>(), correctOf = new Map<string, number>();
  for (const b of batches) for (const c of contenders) await pass(runs.get(c.key)!, b, data.images, data.labels);
  for (let r = 0; r < rounds; r++) {
    for (const b of batches) {
      for (let k = 0; k < contenders.length; k++) {
        const c = contenders[(k + r) % contenders.length]!;
        await before?.();
        const p = await pass(runs.get(c.key)!, b, data.images, data.labels);
        const id = `${b}/${c.key}`;
        (samples.get(id) ?? samples.set(id, []).get(id)!).push(p.msPerImage);
        correctOf.set(id, p.correct);
      }
    }
    process.stdout.write(`round ${r + 1}/${rounds}\n`);
  }
  /** the row of `key` at `batch`: median ms per image, spread over rounds, top-1 (%) */
  const row = (b: number, c: Contender): Row => {
    const s = samples.get(`${b}/${c.key}`)!, ms = median(s);
    return { key: c.key, label: c.label, msPerImage: ms, minMs: Math.min(...s), maxMs: Math.max(...s), imagesPerSecond: 1000 / ms, top1: (100 * correctOf.get(`${b}/${c.key}`)!) / data.labels.length };
  };
  return { row, ms: (b: number, key: string) => median(samples.get(`${b}/${key}`)!) };
}

/**
 * `ex`'s plan run step by step on `x` (n images), a timer around each kernel call, the time of
 * each step added to the entry `key(step)`, over `reps` repetitions: median ms per image, in all
 * and per entry (the input's quantize as `quantize`).
 */
export function profileSteps(ex: QExecutor, x: Float32Array, n: number, reps: number, key: (s: Step) => string) {
  const kinds = new Map<string, number[]>();
  const total: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const t: Record<string, number> = {};
    const t0 = performance.now();
    ex.quantize(x, n);
    let last = performance.now();
    t.quantize = last - t0;
    ex.execute(n, (s, call) => {
      call();
      const now = performance.now(), k = key(s);
      t[k] = (t[k] ?? 0) + now - last;
      last = now;
    });
    total.push(last - t0);
    for (const [k, v] of Object.entries(t)) (kinds.get(k) ?? kinds.set(k, []).get(k)!).push(v);
  }
  return { totalMsPerImage: median(total) / n, msPerImage: Object.fromEntries([...kinds].map(([k, v]) => [k, median(v) / n])) };
}
