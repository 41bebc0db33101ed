// The whole post-training pipeline on a float model: calibrate -> int8 (level one) ->
// power-of-two for the chosen layers (level two) -> optional scale re-fit and bias correction.

import { DEFAULT_POT_ROUNDING } from '../core/pot-codec.js';
import type { Dataset } from '../data/dataset.js';
import type { PotRounding, QGraph } from '../ir/qgraph.js';
import type { FloatModel } from '../runtime/float-model.js';
import type { Engine } from '../engine/engine.js';
import { correctPotBias } from './bias-correction.js';
import { calibrate, type CalibrationMethod, type RangeTable } from './calibrate.js';
import { checkFiniteConstants, layerFloatWeights, quantizeInt8 } from './quantize-int8.js';
import { quantizePot, resolveLayers, resolveLayerSpec } from './quantize-pot.js';

export interface QuantizeModelOptions {
  calibration: CalibrationMethod;
  percentile?: number;
  /** calibration images */
  limit: number;
  perTensor?: boolean;
  /** 'all', 'none' or comma-separated layer names */
  pot?: string;
  rounding?: PotRounding;
  refitScale?: boolean;
  biasCorrection?: boolean;
  engine?: Engine;
  onProgress?: (stage: 'calibrate' | 'bias correction', done: number, total: number) => void;
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
  // fail on a bad layer list before the (slow) calibration
  resolveLayerSpec(g.nodes.filter((n) => n.op === 'Conv' || n.op === 'Gemm' || n.op === 'MatMul').map((n) => n.name), o.pot ?? 'none');
  const data = await calibData();
  const calibImages = Math.min(data.size, o.limit);
  const ranges = await calibrate(model, data, {
    method: o.calibration, percentile: o.percentile, limit: o.limit, engine: o.engine, onProgress: (d, t) => o.onProgress?.('calibrate', d, t),
  });
  const q8 = quantizeInt8(g, ranges, { perTensor: o.perTensor });
  let q = q8;
  const layers = resolveLayers(q, o.pot ?? 'none');
  if (layers.size > 0) {
    const floatWeights = layerFloatWeights(g, q);
    q = quantizePot(q, layers, { rule: o.rounding ?? DEFAULT_POT_ROUNDING, refitScale: o.refitScale, floatWeights });
    if (o.biasCorrection)
      q = await correctPotBias(q, model, floatWeights, await calibData(), { limit: o.limit, engine: o.engine, onProgress: (d, t) => o.onProgress?.('bias correction', d, t) });
  }
  return { q, q8, ranges, calibImages };
}
