// calibrate() and quantize(): the post-training pipeline as the library exposes it. calibrate()
// reads the calibration images once, then builds the 8-bit model, the all-power-of-two model and
// the per-layer metrics (src/quant/doubleqext.ts); quantize() picks from them: 8-bit, named PoT
// layers, or a DoubleQExt selection under a memory budget or a top-1 drop.

import { DataError } from '../data/dataset.js';
import type { PotRounding } from '../ir/qgraph.js';
import type { EvalSet, Evaluator } from '../parallel/eval-pool.js';
import type { CalibrationMethod } from '../quant/calibrate.js';
import { measureSensitivity, prepareExt, selectExt, type ExtModel } from '../quant/doubleqext.js';
import { DEFAULT_METRIC, mixLayers, type MetricName } from '../quant/layer-metrics.js';
import { resolveLayers } from '../quant/quantize-pot.js';
import { BUDGET_OF, parseBudget, type BudgetOf, type Search, type Target } from '../quant/select-layers.js';
import { QExecutor } from '../runtime/q-executor.js';
import { sharedPrefixLogits } from '../runtime/shared-prefix.js';
import { loadEngine } from '../runtime/wasm-loader.js';
import { collect, setDataset, type ImageSet, type ImageSource } from './data.js';
import { quantizedNet, type FloatNet, type QuantizedNet } from './model.js';
import { MAX_BATCH, predictions, run } from './run.js';
import { checkAbort, reporter, yieldNow, type CallOptions } from './progress.js';

export interface CalibrateOptions extends CallOptions {
  /** range estimation (default 'minmax') */
  method?: CalibrationMethod;
  /** with method 'percentile' */
  percentile?: number;
  /** calibration images read from the source (default 1000); they are held in memory */
  limit?: number;
  /** one weight scale per layer instead of per output channel */
  perTensor?: boolean;
  /** power-of-two rounding rule for level two (default: the pipeline's default, 'log') */
  rounding?: PotRounding;
  /** least-squares re-fit of PoT channel scales (default true) */
  refitScale?: boolean;
  /** correct the PoT output-mean shift on the calibration images (default true) */
  biasCorrection?: boolean;
}

/** Per-layer figures of a calibrated model, as DoubleQExt ranks them (lower cost = better PoT candidate). */
export interface LayerCost {
  name: string;
  op: string;
  weights: number;
  bitsSaved: number;
  sqnrDb: number;
  entropyBits: number;
  /** measured once a selection by sensitivity or max-drop has run */
  sensitivity?: { kl: number; agreementPct: number; top1DropPoints: number };
}

interface State {
  ext: ExtModel;
  set: ImageSet;
  ev: Evaluator;
  base?: Float32Array;
}

/** A calibrated model: the 8-bit and all-PoT forms and the layer metrics, ready for quantize(). */
export interface Calibration {
  readonly model: FloatNet;
  readonly images: number;
  readonly layers: readonly LayerCost[];
  /** largest kernel-weight saving against 8-bit, percent (every layer PoT) */
  readonly maxSavingPct: number;
}

const states = new WeakMap<Calibration, State>();

export function state(c: Calibration): State {
  const s = states.get(c);
  if (!s) throw new DataError('expected a Calibration returned by calibrate()');
  return s;
}

/** An in-process evaluator on a fixed image set (browser-safe; one fresh engine per model). */
export function localEvaluator(set: ImageSet, labels: Uint8Array): Evaluator {
  const es: EvalSet = { images: set.images, labels, count: set.count, shape: set.shape };
  const per = set.shape[0] * set.shape[1] * set.shape[2];
  return {
    set: es,
    workers: 1,
    async logits(q) {
      const batch = Math.min(MAX_BATCH, set.count); // memory planned for the images there are
      const ex = new QExecutor(q, await loadEngine(), batch);
      const k = q.outputs[0]!.shape.reduce((p, d) => p * d, 1);
      const out = new Float32Array(set.count * k);
      for (let i = 0; i < set.count; i += batch) {
        const n = Math.min(batch, set.count - i);
        out.set(ex.run(set.images.subarray(i * per, (i + n) * per), n)[0]!, i * k);
      }
      await yieldNow();
      return out;
    },
    async sharedLogits(base, variants, onProgress) {
      return sharedPrefixLogits(() => loadEngine(), set.images, set.count, base, variants, {
        maxBatch: MAX_BATCH,
        onBatch: async (done) => {
          onProgress?.(done, set.count);
          await yieldNow();
        },
      });
    },
    close: async () => {},
  };
}

export async function calibrate(model: FloatNet, data: ImageSource, o: CalibrateOptions = {}): Promise<Calibration> {
  if (!model || model.kind !== 'float') throw new DataError('calibrate: expected a float model (loadModel of an .onnx file)');
  const limit = o.limit ?? 1000;
  if (!Number.isInteger(limit) || limit < 1) throw new DataError(`calibrate: limit must be a positive integer, got ${o.limit}`);
  const set = await collect(data, model.inputShape, limit, { ...o, stage: 'read' });
  const engine = await loadEngine();
  const ext = await prepareExt(model.float, async () => setDataset(set), {
    calibration: o.method ?? 'minmax', percentile: o.percentile, limit, perTensor: o.perTensor,
    rounding: o.rounding, refitScale: o.refitScale ?? true, biasCorrection: o.biasCorrection ?? true, engine, onProgress: reporter(o),
  });
  // unlabelled calibration images: the float model's own predictions stand in for labels
  const labels = set.labels ?? predictions(await run(model, set.images), model.classes);
  const c: Calibration = { model, images: set.count, layers: ext.layers, maxSavingPct: (100 * ext.layers.reduce((s, l) => s + l.bitsSaved, 0)) / ext.layers.reduce((s, l) => s + 8 * l.weights, 0) };
  states.set(c, { ext, set, ev: localEvaluator(set, labels) });
  return c;
}

export interface QuantizeOptions extends CallOptions {
  /** level two on 'all', 'none' (default) or the named layers */
  pot?: 'all' | 'none' | readonly string[];
  /** DoubleQExt: kernel-weight memory saved vs 8-bit, percent (positive = saved; 23.05 or '23.05%'), or bytes ('180000B') */
  budget?: number | string;
  /** what budget counts: 'kernel' (default, as above) or 'runtime': the executor's wasm memory at batch 1 in bytes (150000 or '150000B') */
  budgetOf?: BudgetOf;
  /** DoubleQExt: most PoT layers keeping top-1 on the calibration images within this many points of 8-bit */
  maxDrop?: number;
  /** layer cost for the selection (default DEFAULT_METRIC, 'sensitivity') */
  metric?: MetricName;
  /** search under a memory budget (default 'knapsack') */
  search?: Search;
}

export interface Quantized extends QuantizedNet {
  /** kernel weights only, against 8-bit, percent (positive = saved) */
  readonly savingVsInt8Pct: number;
  /** top-1 drop on the calibration images against 8-bit, when the target was maxDrop */
  readonly measuredDropPoints?: number;
}

/** Measures single-layer sensitivity once per calibration (one evaluation per layer). */
export async function ensureSensitivity(c: Calibration, o?: CallOptions): Promise<Float32Array> {
  const s = state(c);
  if (!s.base) s.base = await measureSensitivity(s.ext, s.ev, reporter(o));
  return s.base;
}

export async function quantize(c: Calibration, o: QuantizeOptions = {}): Promise<Quantized> {
  const s = state(c);
  const ext = o.budget !== undefined || o.maxDrop !== undefined;
  if (o.budget !== undefined && o.maxDrop !== undefined) throw new DataError('quantize: give one target, budget or maxDrop');
  if (o.budgetOf !== undefined && o.budget === undefined) throw new DataError('quantize: budgetOf goes with budget');
  if (ext && o.pot !== undefined && o.pot !== 'none') throw new DataError('quantize: pot names the layers itself; it does not go with budget or maxDrop');
  const done = (q: ExtModel['q8'], drop?: number): Quantized => {
    const n = quantizedNet(q);
    const bits = (names: readonly string[]) => s.ext.layers.filter((l) => names.includes(l.name)).reduce((a, l) => a + l.bitsSaved, 0);
    const total = s.ext.layers.reduce((a, l) => a + 8 * l.weights, 0);
    return { ...n, savingVsInt8Pct: (100 * bits(n.potLayers)) / total, ...(drop !== undefined ? { measuredDropPoints: drop } : {}) };
  };
  if (!ext) {
    const pot = o.pot ?? 'none';
    const spec = typeof pot === 'string' ? pot : Array.isArray(pot) ? pot.join(',') : undefined;
    if (spec === undefined) throw new DataError("quantize: pot must be 'all', 'none' or a list of layer names");
    const names = resolveLayers(s.ext.q8, spec);
    return done(names.size === 0 ? s.ext.q8 : names.size === s.ext.layers.length ? s.ext.qpot : mixLayers(s.ext.q8, s.ext.qpot, names));
  }
  let target: Target;
  if (o.maxDrop !== undefined) {
    if (typeof o.maxDrop !== 'number' || !(o.maxDrop >= 0)) throw new DataError(`quantize: maxDrop must be a number of top-1 points >= 0, got ${o.maxDrop}`);
    target = { kind: 'max-drop', points: o.maxDrop };
  } else {
    const b = o.budget!, of = o.budgetOf ?? 'kernel';
    if (!BUDGET_OF.includes(of)) throw new DataError(`quantize: budgetOf must be 'kernel' or 'runtime', got '${String(of)}'`);
    if (typeof b === 'number' && !(Number.isFinite(b) && b >= 0)) throw new DataError(`quantize: budget must be a ${of === 'runtime' ? 'byte count' : 'percentage'} >= 0, got ${b}`);
    target = parseBudget(typeof b === 'number' ? `${b}${of === 'runtime' ? 'B' : '%'}` : String(b), s.ext.layers, of);
  }
  const metric = o.metric ?? DEFAULT_METRIC;
  const needEval = metric === 'sensitivity' || target.kind === 'max-drop';
  const base = needEval ? await ensureSensitivity(c, o) : undefined;
  checkAbort(o.signal);
  const sel = await selectExt(s.ext, metric, target, o.search ?? 'knapsack', needEval ? s.ev : undefined, base, reporter(o));
  return done(sel.q, sel.measuredDropPoints);
}
