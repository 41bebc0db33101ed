// Bias correction for power-of-two layers: the rounding error of the weights shifts each output
// channel's mean. Measured on calibration images through the float model:
//   delta[m] = E over images and output positions of conv(x, W_float - s * P)[m]
// (for a fully connected layer: (W_float - s * P) . E[x]). Convolution is linear, so one
// bias-free conv with the weight difference gives it, borders included. The corrected int32
// bias is round((b_real + delta) / (s_x * s_w)).

import type { Dataset } from '../data/dataset.js';
import type { QGraph, QNode } from '../ir/qgraph.js';
import { f32, type Tensor } from '../ir/tensor.js';
import { conv2dReference, convGeometry, type ConvAttrs } from '../ops/conv.js';
import { F32Executor } from '../runtime/f32-executor.js';
import type { FloatModel } from '../runtime/float-model.js';
import type { Engine } from '../engine/engine.js';
import { CalibrationError } from './observers.js';
import { type WeightLayer, weightLayers } from './quantize-pot.js';
import { QuantizationError } from '../core/errors.js';
import { roundHalfEven } from '../core/rounding.js';

export interface BiasCorrectionOptions {
  limit: number;
  batch?: number;
  engine?: Engine;
  onProgress?: (done: number, total: number) => void;
}

/** Returns a new QGraph with the biases of its power-of-two layers corrected. */
export async function correctPotBias(q: QGraph, model: FloatModel, floatWeights: ReadonlyMap<string, Float32Array>, data: Dataset, opts: BiasCorrectionOptions): Promise<QGraph> {
  const layers = new Map(weightLayers(q).filter((l) => l.pot).map((l) => [l.name, l]));
  if (layers.size === 0) return q;
  const diff = new Map<string, Float32Array>(); // (W_float - s * P), OIHW for conv, [m][k] for gemm
  for (const l of layers.values()) diff.set(l.name, weightDifference(l, floatWeights.get(l.name)!));
  const sums = new Map<string, Float64Array>();
  const counts = new Map<string, number>();
  const batch = model.fixedBatch ?? opts.batch ?? 50;
  // a fixed-batch model cannot take a tail short of its batch (as in calibration)
  const total = model.fixedBatch !== undefined ? Math.floor(Math.min(data.size, opts.limit) / batch) * batch : Math.min(data.size, opts.limit);
  if (total === 0) throw new CalibrationError(`bias correction: the calibration set has fewer images than the model's fixed batch size ${batch}`);
  let seen = 0;
  const executors = new Map<number, F32Executor>();
  const observe = (node: { name: string; op: string; attrs: unknown }, _o: readonly Tensor[], inputs: readonly (Tensor | undefined)[]) => {
    const l = layers.get(node.name);
    if (!l) return;
    const x = inputs[0]!;
    const m = l.op === 'conv' ? l.geometry.m : l.m;
    const acc = sums.get(l.name) ?? new Float64Array(m);
    sums.set(l.name, acc);
    if (l.op === 'conv') {
      const w = inputs[1]!;
      const geo = convGeometry(x, w, node.attrs as ConvAttrs);
      const y = opts.engine
        ? opts.engine.conv2dF32(x.data as Float32Array, diff.get(l.name)!, null, { ...geo, padTop: geo.pads[0], padLeft: geo.pads[1], padBottom: geo.pads[2], padRight: geo.pads[3] })
        : conv2dReference(x.data as Float32Array, diff.get(l.name)!, null, geo);
      const hw = geo.oh * geo.ow;
      for (let b = 0; b < geo.n; b++) for (let o = 0; o < m; o++) for (let p = 0; p < hw; p++) acc[o] += y[(b * m + o) * hw + p]!;
      counts.set(l.name, (counts.get(l.name) ?? 0) + geo.n * hw);
    } else {
      const k = l.k, d = diff.get(l.name)!, xd = x.data as Float32Array, n = xd.length / k;
      for (let b = 0; b < n; b++) for (let o = 0; o < m; o++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += d[o * k + p]! * xd[b * k + p]!;
        acc[o] += s;
      }
      counts.set(l.name, (counts.get(l.name) ?? 0) + n);
    }
  };
  for await (const b of data.batches(batch, { limit: total })) {
    let ex = executors.get(b.count);
    if (!ex) executors.set(b.count, (ex = new F32Executor(model.graphFor(b.count), { engine: opts.engine, observe })));
    const g = ex.graph;
    ex.run({ [g.inputs[0]!.name]: f32(g.inputs[0]!.shape, b.images) });
    seen += b.count;
    opts.onProgress?.(seen, total);
  }
  if (seen === 0) throw new CalibrationError('bias correction: the calibration set has no images');
  const nodes = q.nodes.map((n): QNode => {
    const l = layers.get(n.name);
    if (!l || (n.op !== 'conv' && n.op !== 'gemm')) return n;
    const acc = sums.get(n.name);
    if (!acc) throw new QuantizationError(`bias correction: layer '${n.name}' was never run`);
    const c = counts.get(n.name)!;
    const sx = q.values.get(n.inputs[0]!)!.q.scale;
    const bias = new Int32Array(n.bias.length);
    for (let o = 0; o < bias.length; o++) {
      const unit = sx * n.weightScale[o]!;
      bias[o] = roundHalfEven(n.bias[o]! + acc[o]! / c / unit);
      if (Math.abs(bias[o]!) >= 2 ** 30) throw new QuantizationError(`bias correction: layer '${n.name}' channel ${o} bias overflows`);
    }
    return { ...n, bias };
  });
  return { ...q, nodes };
}

/** W_float - s * P, back in the float op's layout (OIHW for conv). */
function weightDifference(l: WeightLayer, wf: Float32Array): Float32Array {
  const m = l.op === 'conv' ? l.geometry.m : l.m;
  const per = l.weights.length / m;
  const d = new Float32Array(wf.length);
  for (let o = 0; o < m; o++) for (let i = 0; i < per; i++) d[o * per + i] = wf[o * per + i]! - l.weightScale[o]! * l.weights[o * per + i]!;
  if (l.op !== 'conv') return d;
  const { kh, kw, c, group } = l.geometry, cg = c / group;
  const oihw = new Float32Array(d.length); // OHWI -> OIHW
  for (let o = 0; o < m; o++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let ic = 0; ic < cg; ic++)
    oihw[((o * cg + ic) * kh + i) * kw + j] = d[((o * kh + i) * kw + j) * cg + ic]!;
  return oihw;
}
