// Level two (DoubleQ): re-quantize the int8 weights of chosen layers to signed powers of two.
//
// For an int8 weight q (|q| <= 127): q = 0 stays 0; otherwise p = sign(q) * 2^e, with e from
// one of three named rounding rules on |q|:
//   log     e = round(log2 |q|): thresholds at 2^(k+1/2), i.e. |q|^2 >= 2^(2k+1) rounds up
//           (3 -> 4, 23 -> 32, 91 -> 128); no ties are possible. Exponents 0..7, 5-bit codes.
//   linear  nearest power of two in the linear domain: thresholds at 1.5 * 2^k; a tie
//           (|q| = 3, 6, 12, 24, 48, 96) goes to the larger power. Exponents 0..7, 5-bit codes.
//   floor   e = floor(log2 |q|), the leading one: exponents 0..6, 4-bit codes.
// Code: sign bit + magnitude field (0 = zero, else exponent + 1), see PotWeights in qgraph.ts.
//
// Options, reported apart from the plain rule (both still post-training):
//   refitScale      per output channel, the least-squares scale s = sum(w * p) / sum(p^2)
//                   of the PoT integers p against the float weights w (requant and bias follow);
//   biasCorrection  per output channel, add E[conv(x, W_float) - conv(x, s * P)] measured on the
//                   float model's activations over calibration images (src/quant/bias-correction.ts).

import type { PotRounding, PotWeights, QConv, QGemm, QGraph, QNode } from '../ir/qgraph.js';
import { channelRequant } from './quantize-int8.js';
import { QuantizationError, roundHalfEven } from './requant.js';

export const POT_ROUNDINGS: readonly PotRounding[] = ['log', 'linear', 'floor'];

export function codeBits(rule: PotRounding): 4 | 5 {
  return rule === 'floor' ? 4 : 5;
}

/** Exponent of |q| in 1..127 under a rule. */
export function potExponent(mag: number, rule: PotRounding): number {
  const f = 31 - Math.clz32(mag); // floor(log2 mag)
  if (rule === 'floor') return f;
  if (rule === 'log') return mag * mag >= 2 ** (2 * f + 1) ? f + 1 : f;
  return 2 * mag >= 3 * 2 ** f ? f + 1 : f; // linear: mag >= 1.5 * 2^f, ties up
}

export function encodePot(q: number, rule: PotRounding): number {
  if (q === 0) return 0;
  const e = potExponent(Math.abs(q), rule);
  const signBit = 1 << (codeBits(rule) - 1);
  return (q < 0 ? signBit : 0) | (e + 1);
}

export function decodePot(code: number, bits: 4 | 5): number {
  const signBit = 1 << (bits - 1);
  const mag = code & (signBit - 1);
  if (mag === 0) return 0;
  const v = 2 ** (mag - 1);
  return code & signBit ? -v : v;
}

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
  const bits = codeBits(opts.rule);
  const codes = new Uint8Array(n.weights.length);
  const weights = new Int16Array(n.weights.length);
  for (let i = 0; i < codes.length; i++) {
    codes[i] = encodePot(n.weights[i]!, opts.rule);
    weights[i] = decodePot(codes[i]!, bits);
  }
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
  const pot: PotWeights = { rule: opts.rule, bits, codes };
  return { ...n, weights, pot, weightScale, bias, requant: channelRequant(q.values.get(n.inputs[0]!)!.q.scale, weightScale, q.values.get(n.outputs[0]!)!.q.scale, n) };
}
