// DoubleQExt: per-layer metrics on top of the 8-bit and all-PoT forms of a model, and the
// selection of the layers that get power-of-two weights. Evaluations go through an Evaluator
// (parallel workers in Node); per-layer results are computed once and reused.

import type { Dataset } from '../data/dataset.js';
import type { QGraph } from '../ir/qgraph.js';
import type { Evaluator } from '../parallel/eval-pool.js';
import type { FloatModel } from '../runtime/float-model.js';
import { compareLogits, type LayerInfo, mixLayers, staticMetrics, type MetricName } from './layer-metrics.js';
import { layerFloatWeights } from './quantize-int8.js';
import { quantizeModel, type QuantizeModelOptions } from './quantize-model.js';
import { type Search, selectForDrop, selectForMemory, type Selection, type Target } from './select-layers.js';

export interface ExtModel {
  q8: QGraph;
  /** every weight layer power-of-two, with the chosen rule and options */
  qpot: QGraph;
  layers: LayerInfo[];
  calibImages: number;
  seconds: { quantize: number; sensitivity: number };
}

export type ExtProgress = (stage: string, done: number, total: number) => void;

/** Quantizes to 8-bit and to all-PoT once, then measures the static metrics. */
export async function prepareExt(model: FloatModel, calibData: () => Promise<Dataset>, o: Omit<QuantizeModelOptions, 'pot'>): Promise<ExtModel> {
  const t0 = performance.now();
  const { q: qpot, q8, calibImages } = await quantizeModel(model, calibData, { ...o, pot: 'all' });
  const layers = staticMetrics(q8, qpot, layerFloatWeights(model.graphFor(model.fixedBatch ?? 1), q8));
  return { q8, qpot, layers, calibImages, seconds: { quantize: (performance.now() - t0) / 1000, sensitivity: 0 } };
}

/** Single-layer sensitivity of every layer on the evaluator's images (one evaluation per layer). */
export async function measureSensitivity(ext: ExtModel, ev: Evaluator, onProgress?: ExtProgress): Promise<Float32Array> {
  const t0 = performance.now();
  const classes = ext.q8.outputs[0]!.shape.reduce((p, d) => p * d, 1);
  const base = await ev.logits(ext.q8);
  for (const [i, l] of ext.layers.entries()) {
    const logits = await ev.logits(mixLayers(ext.q8, ext.qpot, new Set([l.name])));
    l.sensitivity = compareLogits(base, logits, ev.set.labels, classes);
    onProgress?.('sensitivity', i + 1, ext.layers.length);
  }
  ext.seconds.sensitivity = (performance.now() - t0) / 1000;
  return base;
}

export interface ExtSelection extends Selection {
  metric: MetricName;
  search: Search | 'greedy-remeasure';
  target: Target;
  /** top-1 drop on the calibration images, when the target is max-drop */
  measuredDropPoints?: number;
  q: QGraph;
}

export async function selectExt(ext: ExtModel, metric: MetricName, target: Target, search: Search, ev?: Evaluator, base?: Float32Array, onProgress?: ExtProgress): Promise<ExtSelection> {
  if (target.kind === 'max-drop') {
    if (!ev || !base) throw new Error('max-drop selection needs an evaluator and the 8-bit logits');
    const classes = ext.q8.outputs[0]!.shape.reduce((p, d) => p * d, 1);
    const cache = new Map<string, number>();
    const measure = async (names: string[]) => {
      const key = [...names].sort().join('\n');
      if (!cache.has(key)) cache.set(key, compareLogits(base, await ev.logits(mixLayers(ext.q8, ext.qpot, new Set(names))), ev.set.labels, classes).top1DropPoints);
      return cache.get(key)!;
    };
    const s = await selectForDrop(ext.layers, metric, target.points, measure, (d, t) => onProgress?.('selection', d, t));
    return { ...s, metric, search: 'greedy-remeasure', target, measuredDropPoints: s.measuredDrop, q: mixLayers(ext.q8, ext.qpot, new Set(s.layers)) };
  }
  const s = selectForMemory(ext.layers, metric, target, search);
  return { ...s, metric, search, target, q: mixLayers(ext.q8, ext.qpot, new Set(s.layers)) };
}
