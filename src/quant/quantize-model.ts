// The whole post-training pipeline on a float model: calibrate -> int8 (level one) ->
// power-of-two for the chosen layers (level two). Level-two methods:
//   gptq  (default) output-aware rounding with error compensation, scale search and bias
//         correction on sequential calibration statistics (src/quant/pot-gptq.ts);
//   rule  the paper's per-weight rounding rule (src/quant/quantize-pot.ts), with optional scale
//         re-fit and bias correction. Asking for either option without a method selects rule.

import { DEFAULT_POT_ROUNDING } from '../core/pot-codec.js';
import type { Dataset } from '../data/dataset.js';
import type { PotRounding, QGraph } from '../ir/qgraph.js';
import type { FloatModel } from '../runtime/float-model.js';
import type { Engine } from '../engine/engine.js';
import { correctPotBias } from './bias-correction.js';
import { calibrate, type CalibrationMethod, type RangeTable } from './calibrate.js';
import { checkFiniteConstants, layerFloatWeights, quantizeInt8 } from './quantize-int8.js';
import { quantizePotGptq } from './pot-gptq.js';
import { codeBits } from '../core/pot-codec.js';
import { quantizePot, resolveLayers, resolveLayerSpec } from './quantize-pot.js';
import { QuantizationError } from '../core/errors.js';

export const POT_METHODS = ['gptq', 'rule'] as const;
export type PotMethod = (typeof POT_METHODS)[number];

/** The level-two method options ask for: explicit, else rule when its options are given, else gptq. */
export function potMethodOf(o: { potMethod?: PotMethod; refitScale?: boolean; biasCorrection?: boolean }): PotMethod {
  if (o.potMethod === 'gptq' && (o.refitScale || o.biasCorrection))
    throw new QuantizationError('scale re-fit and bias correction are options of the rule method (gptq searches scales and corrects biases itself)');
  return o.potMethod ?? (o.refitScale || o.biasCorrection ? 'rule' : 'gptq');
}

export interface QuantizeModelOptions {
  calibration: CalibrationMethod;
  percentile?: number;
  /** calibration images */
  limit: number;
  perTensor?: boolean;
  /** 'all', 'none' or comma-separated layer names */
  pot?: string;
  rounding?: PotRounding;
  /** level-two method (default: see potMethodOf) */
  potMethod?: PotMethod;
  refitScale?: boolean;
  biasCorrection?: boolean;
  engine?: Engine;
  onProgress?: (stage: 'calibrate' | 'bias correction' | 'power-of-two rounding', done: number, total: number) => void;
}

export interface QuantizedModel {
  q: QGraph;
  /** the level-one model, before any power-of-two layer */
  q8: QGraph;
  ranges: RangeTable;
  calibImages: number;
}

/** `calibData` is called once per pass over the calibration images. */
export async function quantizeModel(model: FloatModel, calibData: () => Promise<Dataset>, o: QuantizeModelOptions): Promise<QuantizedModel> {
  const g = model.graphFor(model.fixedBatch ?? 1);
  checkFiniteConstants(g);
  const method = potMethodOf(o);
  // fail on a bad layer list before the (slow) calibration
  resolveLayerSpec(g.nodes.filter((n) => n.op === 'Conv' || n.op === 'Gemm' || n.op === 'MatMul').map((n) => n.name), o.pot ?? 'none');
  const data = await calibData();
  const calibImages = Math.min(data.size, o.limit);
  const ranges = await calibrate(model, data, {
    method: o.calibration, percentile: o.percentile, limit: o.limit, engine: o.engine, onProgress: (d, t) => o.onProgress?.('calibrate', d, t),
  });
  const q8 = quantizeInt8(g, ranges, { perTensor: o.perTensor });
  const layers = resolveLayers(q8, o.pot ?? 'none');
  const q = layers.size > 0 ? await levelTwo(model, q8, calibData, new Map([...layers].map((n) => [n, codeBits(o.rounding ?? DEFAULT_POT_ROUNDING)])), o) : q8;
  return { q, q8, ranges, calibImages };
}

/**
 * Level two on a level-one graph: the named layers power-of-two at their code widths (5: the
 * rule of `o.rounding`, or log when that is floor; 4: floor), by the method `o` asks for.
 */
export async function levelTwo(model: FloatModel, q8: QGraph, calibData: () => Promise<Dataset>, bits: ReadonlyMap<string, 4 | 5>,
  o: Omit<QuantizeModelOptions, 'calibration'>): Promise<QGraph> {
  if (bits.size === 0) return q8;
  const floatWeights = layerFloatWeights(model.graphFor(model.fixedBatch ?? 1), q8);
  if (potMethodOf(o) === 'gptq')
    return quantizePotGptq(q8, model, floatWeights, await calibData(), { bits, limit: o.limit, engine: o.engine, onProgress: (d, t) => o.onProgress?.('power-of-two rounding', d, t) });
  let q = q8;
  for (const width of [5, 4] as const) {
    const names = new Set([...bits].filter(([, b]) => b === width).map(([n]) => n));
    if (names.size === 0) continue;
    const rule = width === 4 ? 'floor' : o.rounding && o.rounding !== 'floor' ? o.rounding : 'log';
    q = quantizePot(q, names, { rule, refitScale: o.refitScale, floatWeights });
  }
  if (o.biasCorrection)
    q = await correctPotBias(q, model, floatWeights, await calibData(), { limit: o.limit, engine: o.engine, onProgress: (d, t) => o.onProgress?.('bias correction', d, t) });
  return q;
}
