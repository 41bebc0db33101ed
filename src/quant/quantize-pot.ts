// Level two (DoubleQ): re-quantize the int8 weights of chosen layers to signed powers of two.
//
// The rounding rules (log, linear, floor) and the codes are defined once, in
// src/core/pot-codec.ts; a PoT layer keeps its weights as values (see PotWeights in qgraph.ts).
//
// Options, reported apart from the plain rule (both still post-training):
//   refitScale      per output channel, the least-squares scale s = sum(w * p) / sum(p^2)
//                   of the PoT integers p against the float weights w (requant and bias follow);
//   biasCorrection  per output channel, add E[conv(x, W_float) - conv(x, s * P)] measured on the
//                   float model's activations over calibration images (src/quant/bias-correction.ts).

import { QuantizationError } from '../core/errors.js';
import { codeBits, potValue, type PotRounding } from '../core/pot-codec.js';
import { roundHalfEven } from '../core/rounding.js';
import type { PotWeights, QConv, QGemm, QGraph, QNode } from '../ir/qgraph.js';
import { channelRequant } from './quantize-int8.js';

export interface PotOptions {
  rule: PotRounding;
  refitScale?: boolean;
  /** Float weights per layer (OHWI for conv, [m][k] for gemm, same order as QNode.weights), for refitScale. */
  floatWeights?: ReadonlyMap<string, Float32Array>;
}

export type WeightLayer = QConv | QGemm;

export function weightLayers(q: QGraph): WeightLayer[] {
  return q.nodes.filter((n): n is WeightLayer => n.op === 'conv' || n.op === 'gemm');
}

/** Layer names accepted by --pot: the node name or its weight tensor's module name. */
export function resolveLayers(q: QGraph, spec: string): Set<string> {
  return resolveLayerSpec(weightLayers(q).map((l) => l.name), spec);
}

/** --pot over a list of layer names: 'all', 'none' or names from the list. */
export function resolveLayerSpec(names: readonly string[], spec: string): Set<string> {
  if (spec === 'all') return new Set(names);
  if (spec === 'none' || spec === '') return new Set();
  const out = new Set<string>();
  for (const raw of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!names.includes(raw)) throw new QuantizationError(`--pot: no layer named '${raw}' (layers: ${names.join(', ')})`);
    out.add(raw);
  }
  return out;
}

/** Returns a new QGraph whose named layers carry power-of-two weights. */
export function quantizePot(q: QGraph, layers: ReadonlySet<string>, opts: PotOptions): QGraph {
  const byName = new Map(weightLayers(q).map((l) => [l.name, l]));
  for (const name of layers) if (!byName.has(name)) throw new QuantizationError(`no weight layer named '${name}'`);
  const nodes = q.nodes.map((n): QNode => {
    if ((n.op !== 'conv' && n.op !== 'gemm') || !layers.has(n.name)) return n;
    if (n.pot) throw new QuantizationError(`layer '${n.name}' is already power-of-two`);
    return potLayer(n, q, opts);
  });
  return { ...q, nodes };
}

function potLayer<L extends WeightLayer>(n: L, q: QGraph, opts: PotOptions): L {
  const m = n.op === 'conv' ? n.geometry.m : n.m;
  const per = n.weights.length / m;
  const weights = Int16Array.from(n.weights, (w) => potValue(w, opts.rule));
  let weightScale = n.weightScale;
  let bias = n.bias;
  if (opts.refitScale) {
    const wf = opts.floatWeights?.get(n.name);
    if (!wf || wf.length !== weights.length) throw new QuantizationError(`layer '${n.name}': scale re-fit needs its float weights`);
    const sx = q.values.get(n.inputs[0]!)!.q.scale;
    weightScale = new Float32Array(m);
    bias = new Int32Array(m);
    for (let o = 0; o < m; o++) {
      let wp = 0, pp = 0;
      for (let i = 0; i < per; i++) {
        wp += wf[o * per + i]! * weights[o * per + i]!;
        pp += weights[o * per + i]! ** 2;
      }
      const s = pp > 0 && wp > 0 ? wp / pp : n.weightScale[o]!; // keep the old scale for an all-zero channel
      weightScale[o] = s;
      // the bias keeps its real value: re-express it at the new scale s_x * s
      bias[o] = roundHalfEven((n.bias[o]! * sx * n.weightScale[o]!) / (sx * s));
    }
  }
  const pot: PotWeights = { rule: opts.rule, bits: codeBits(opts.rule) };
  return { ...n, weights, pot, weightScale, bias, requant: channelRequant(q.values.get(n.inputs[0]!)!.q.scale, weightScale, q.values.get(n.outputs[0]!)!.q.scale, n) };
}
