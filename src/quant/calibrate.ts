// Activation ranges from calibration images: runs the f32 reference executor batch by batch
// with one RangeObserver per value attached to its `observe` hook (style guide rule 7: the model
// is never rewritten). Two-pass observers (percentile, entropy) get two passes over the data:
// pass 1 exact min / max, pass 2 histograms over the edges fixed by pass 1 (see observers.ts).
// see: onnxruntime/python/tools/quantization/calibrate.py (CalibrationMethod, collect_data /
// compute_data), without its augment_graph() model rewrite.

import type { Dataset } from '../data/dataset.js';
import type { Graph } from '../ir/graph.js';
import { f32, shapeStr } from '../ir/tensor.js';
import { F32Executor } from '../runtime/f32-executor.js';
import type { FloatModel } from '../runtime/float-model.js';
import type { Engine } from '../engine/engine.js';
import { CalibrationError, createObserver, type RangeObserver, type ValueRange } from './observers.js';

export { CalibrationError, type ValueRange } from './observers.js';

export const CALIBRATION_METHODS = ['minmax', 'percentile', 'entropy'] as const;
export type CalibrationMethod = (typeof CALIBRATION_METHODS)[number];

/** Value name -> range, in graph order: the graph input first, then node outputs. Every range contains 0. */
export type RangeTable = Map<string, ValueRange>;

export interface CalibrateOptions {
  method: CalibrationMethod;
  /** Percentile for method 'percentile', in (50, 100]; default 99.99. */
  percentile?: number;
  /** Use at most this many images (a positive integer); default all. */
  limit?: number;
  /** Images per executor run; default 50. A model with a fixed batch size uses that instead. */
  batch?: number;
  /** Wasm engine for the convolutions (much faster); default the plain TypeScript reference. */
  engine?: Engine;
  /** Called after each batch; `total` counts every pass (2x the images for percentile and entropy). */
  onProgress?: (done: number, total: number) => void;
  /** Observe only these values (float graph inputs or node outputs); default all of them. */
  values?: string[];
}

export const DEFAULT_CALIBRATION_BATCH = 50;

/** Observers for the float32 graph inputs and node outputs of `g` (or only `values`), in graph order. */
function makeObservers(g: Graph, opts: CalibrateOptions): Map<string, RangeObserver> {
  const label = new Map<string, string>();
  for (const v of g.inputs) label.set(v.name, `graph input '${v.name}'`);
  for (const n of g.nodes) for (const o of n.outputs) if (o) label.set(o, `value '${o}' (output of ${n.op} '${n.name}')`);
  const isFloat = (name: string) => g.values.get(name)?.dtype === 'float32';
  let names = [...label.keys()].filter(isFloat);
  if (opts.values !== undefined) {
    for (const name of opts.values) {
      if (!label.has(name)) throw new CalibrationError(`value '${name}' is neither a graph input nor a node output of the model`);
      if (!isFloat(name)) throw new CalibrationError(`value '${name}' is ${g.values.get(name)?.dtype}, only float32 values have ranges`);
    }
    const wanted = new Set(opts.values);
    names = names.filter((n) => wanted.has(n));
  }
  const engine = opts.engine;
  const scan = engine ? (x: Float32Array) => engine.rangeF32(x) : undefined; // the same ranges, in wasm
  return new Map(names.map((n) => [n, createObserver(opts.method, label.get(n)!, { percentile: opts.percentile, scan })]));
}

export async function calibrate(model: FloatModel, data: Dataset, opts: CalibrateOptions): Promise<RangeTable> {
  if (!(CALIBRATION_METHODS as readonly string[]).includes(opts.method))
    throw new CalibrationError(`unknown calibration method '${opts.method}' (expected ${CALIBRATION_METHODS.join(', ')})`);
  const { limit } = opts;
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
    throw new CalibrationError(`limit must be a positive integer, got ${limit}`);
  const batch = model.fixedBatch ?? opts.batch ?? DEFAULT_CALIBRATION_BATCH;
  if (!Number.isInteger(batch) || batch < 1) throw new CalibrationError(`batch must be a positive integer, got ${opts.batch}`);
  if (data.size === 0) throw new CalibrationError('the calibration data set has no images');

  const first = model.graphFor(batch);
  if (first.inputs.length !== 1) throw new CalibrationError(`calibration feeds one image tensor, the model has ${first.inputs.length} inputs`);
  const inp = first.inputs[0]!;
  const { c, h, w } = data.shape;
  if (inp.dtype !== 'float32' || inp.shape.length !== 4 || inp.shape[1] !== c || inp.shape[2] !== h || inp.shape[3] !== w)
    throw new CalibrationError(`the model expects input ${inp.dtype} ${shapeStr(inp.shape)}, the data has ${c}x${h}x${w} images`);

  const observers = makeObservers(first, opts);
  const passes = Math.max(1, ...[...observers.values()].map((o) => o.passes));
  const inputObserver = observers.get(inp.name);
  let currentPass = 0;
  const executors = new Map<number, F32Executor>();
  const executorFor = (count: number): F32Executor => {
    let ex = executors.get(count);
    if (!ex) {
      ex = new F32Executor(model.graphFor(count), {
        engine: opts.engine,
        observe: (node, outs) => {
          outs.forEach((t, k) => {
            const o = observers.get(node.outputs[k]!);
            if (o && o.passes > currentPass) o.observe(t.data as Float32Array);
          });
        },
      });
      executors.set(count, ex);
    }
    return ex;
  };

  // Images per pass: known up front unless the data set size is unknown (then after pass 1).
  let perPass = Math.min(data.size, limit ?? Infinity);
  if (model.fixedBatch !== undefined) perPass = Math.floor(perPass / batch) * batch; // the tail cannot run
  let done = 0;
  for (; currentPass < passes; currentPass++) {
    let seen = 0;
    for await (const b of data.batches(batch, { limit })) {
      if (model.fixedBatch !== undefined && b.count !== model.fixedBatch) break; // as evaluate(): no tail batch
      const ex = executorFor(b.count);
      if (inputObserver && inputObserver.passes > currentPass) inputObserver.observe(b.images);
      ex.run({ [inp.name]: f32([b.count, c, h, w], b.images) });
      seen += b.count;
      done += b.count;
      opts.onProgress?.(done, passes * perPass);
    }
    if (currentPass === 0) {
      if (seen === 0) throw new CalibrationError(model.fixedBatch !== undefined
        ? `the calibration data set has fewer images than the model's fixed batch size ${model.fixedBatch}`
        : 'the calibration data set has no images');
      perPass = seen;
    } else if (seen !== perPass) {
      throw new CalibrationError(`pass ${currentPass + 1} saw ${seen} images, pass 1 saw ${perPass} (the data changed between passes)`);
    }
    for (const o of observers.values()) if (o.passes > currentPass) o.endPass();
  }

  const table: RangeTable = new Map();
  for (const [name, o] of observers) table.set(name, o.range());
  return table;
}
