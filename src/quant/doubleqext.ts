// DoubleQExt: per-layer metrics on top of the 8-bit form and one all-PoT form per code width
// (tier) of a model, and the selection of each layer's tier (int8 or a power-of-two width).
// Evaluations go through an Evaluator (parallel workers in Node); per-layer results are computed
// once and reused.

import type { Dataset } from '../data/dataset.js';
import type { QGraph } from '../ir/qgraph.js';
import type { Evaluator } from '../parallel/eval-pool.js';
import type { FloatModel } from '../runtime/float-model.js';
import { compareLogits, type LayerInfo, mixTiers, staticMetrics, type MetricName, tiersOf } from './layer-metrics.js';
import { layerFloatWeights } from './quantize-int8.js';
import { levelTwo, quantizeModel, type QuantizeModelOptions } from './quantize-model.js';
import { codeBits } from '../core/pot-codec.js';
import { type Assignment, type Search, selectForDrop, selectForMemory, type Selection, type Target } from './select-layers.js';
import { runtimeMeasure, runtimeTotal } from './runtime-budget.js';

export interface ExtModel {
  q8: QGraph;
  /** every weight layer power-of-two at the first (widest) tier */
  qpot: QGraph;
  /** every weight layer power-of-two, one graph per code width, widest first */
  qpots: Map<number, QGraph>;
  layers: LayerInfo[];
  calibImages: number;
  seconds: { quantize: number; sensitivity: number };
}

export type ExtProgress = (stage: string, done: number, total: number) => void;

/** The code widths a selection chooses among: gptq 5 and 4 bits unless a rule is named; the rule method its rule's width. */
export function defaultTiers(o: { potMethod?: string; rounding?: string; refitScale?: boolean; biasCorrection?: boolean }): (4 | 5)[] {
  const rule = o.potMethod === 'rule' || (o.potMethod === undefined && (o.refitScale || o.biasCorrection));
  if (rule || o.rounding !== undefined) return [codeBits((o.rounding ?? 'log') as 'log')];
  return [5, 4];
}

/**
 * Quantizes to 8-bit and to all-PoT at each tier once, then measures the static metrics.
 * `levelOne`: an 8-bit model of the same calibration options, reused instead of calibrating again.
 */
export async function prepareExt(model: FloatModel, calibData: () => Promise<Dataset>, o: Omit<QuantizeModelOptions, 'pot'>, tiers: readonly (4 | 5)[] = defaultTiers(o),
  levelOne?: { q8: QGraph; calibImages: number }): Promise<ExtModel> {
  const t0 = performance.now();
  const { q8, calibImages } = levelOne ?? await quantizeModel(model, calibData, { ...o, pot: 'none' });
  const names = q8.nodes.filter((n) => n.op === 'conv' || n.op === 'gemm').map((n) => n.name);
  const qpots = new Map<number, QGraph>();
  for (const b of tiers) qpots.set(b, await levelTwo(model, q8, calibData, new Map(names.map((n) => [n, b])), o));
  const layers = staticMetrics(q8, [...qpots.values()], layerFloatWeights(model.graphFor(model.fixedBatch ?? 1), q8));
  return { q8, qpot: qpots.get(tiers[0]!)!, qpots, layers, calibImages, seconds: { quantize: (performance.now() - t0) / 1000, sensitivity: 0 } };
}

/** The model of an assignment (layer -> code width; others int8). */
export function assignedModel(ext: ExtModel, a: Assignment | Record<string, number>): QGraph {
  return mixTiers(ext.q8, ext.qpots, a instanceof Map ? a : new Map(Object.entries(a)));
}

/**
 * Single-layer sensitivity of every layer at every tier on the evaluator's images. One shared
 * evaluation: each single-layer model resumes from the 8-bit model's state before its layer.
 */
export async function measureSensitivity(ext: ExtModel, ev: Evaluator, onProgress?: ExtProgress): Promise<Float32Array> {
  const t0 = performance.now();
  const classes = ext.q8.outputs[0]!.shape.reduce((p, d) => p * d, 1);
  const jobs = ext.layers.flatMap((l) => tiersOf(l).map((t) => ({ l, t })));
  const progress = (done: number, total: number) => onProgress?.('sensitivity', Math.floor((jobs.length * done) / total), jobs.length);
  const r = await ev.sharedLogits(ext.q8, jobs.map(({ l, t }) => assignedModel(ext, new Map([[l.name, t.codeBits]]))), progress);
  for (const [i, { l, t }] of jobs.entries()) {
    t.sensitivity = compareLogits(r.base, r.variants[i]!, ev.set.labels, classes);
    if (t === tiersOf(l)[0] && l.tiers) l.sensitivity = t.sensitivity;
  }
  onProgress?.('sensitivity', jobs.length, jobs.length);
  ext.seconds.sensitivity = (performance.now() - t0) / 1000;
  return r.base;
}

export interface ExtSelection extends Selection {
  metric: MetricName;
  search: Search | 'greedy-remeasure';
  target: Target;
  /** top-1 drop on the calibration images, when the target is max-drop */
  measuredDropPoints?: number;
  /** runtime target: the chosen model's wasm memory at batch 1 (compact form) */
  runtimeBytes?: number;
  q: QGraph;
}

export async function selectExt(ext: ExtModel, metric: MetricName, target: Target, search: Search, ev?: Evaluator, base?: Float32Array, onProgress?: ExtProgress): Promise<ExtSelection> {
  if (target.kind === 'max-drop') {
    if (!ev || !base) throw new Error('max-drop selection needs an evaluator and the 8-bit logits');
    const classes = ext.q8.outputs[0]!.shape.reduce((p, d) => p * d, 1);
    const cache = new Map<string, number>();
    const measure = async (a: Assignment) => {
      const key = [...a].map(([n, b]) => `${n}:${b}`).sort().join('\n');
      if (!cache.has(key)) cache.set(key, compareLogits(base, await ev.logits(assignedModel(ext, a)), ev.set.labels, classes).top1DropPoints);
      return cache.get(key)!;
    };
    const s = await selectForDrop(ext.layers, metric, target.points, measure, (d, t) => onProgress?.('selection', d, t));
    return { ...s, metric, search: 'greedy-remeasure', target, measuredDropPoints: s.measuredDrop, q: assignedModel(ext, s.bits) };
  }
  if (target.kind === 'runtime') {
    const s = selectForMemory(ext.layers, metric, target, search, runtimeMeasure(ext.q8, ext.layers, target.bytes));
    const q = assignedModel(ext, s.bits), bytes = runtimeTotal(q);
    if (bytes > target.bytes) throw new Error(`runtime selection: the model needs ${bytes} bytes, over the ${target.bytes}-byte budget`); // the measure is exact
    return { ...s, metric, search, target, runtimeBytes: bytes, q };
  }
  const s = selectForMemory(ext.layers, metric, target, search);
  return { ...s, metric, search, target, q: assignedModel(ext, s.bits) };
}
