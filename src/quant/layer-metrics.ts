// DoubleQExt layer metrics: how much harm power-of-two weights do in each layer.
//   error        weight-space: the noise-to-signal ratio of the layer's PoT weights against its
//                float weights, NSR = sum (w - s*p)^2 / sum w^2 (SQNR = -10 log10 NSR dB);
//                the selection weighs it by the bits the layer saves, so larger layers count more.
//   sensitivity  network-level: only this layer PoT, on the calibration images: mean KL divergence
//                of the softmax outputs from the 8-bit model's, top-1 agreement with the 8-bit model
//                and the change of top-1 accuracy. The cost used for selection is the KL divergence.
//   entropy      information: Shannon entropy (bits) of the layer's int8 weight histogram; a
//                low-entropy layer is "less informative".
// All three are costs: lower means a better candidate for power-of-two weights.

import { argmaxRow } from '../eval/evaluate.js';
import type { QGraph } from '../ir/qgraph.js';
import { weightLayers, type WeightLayer } from './quantize-pot.js';

export const METRICS = ['error', 'sensitivity', 'entropy'] as const;
export type MetricName = (typeof METRICS)[number];
/** The metric of --budget / --max-drop when none is named (chosen by measurement: docs/method.md). */
export const DEFAULT_METRIC: MetricName = 'sensitivity';

/** One power-of-two code width a layer may take (mixed widths: the selection picks one or int8). */
export interface TierInfo {
  codeBits: number;
  bitsSaved: number;
  sqnrDb: number;
  nsr: number;
  sensitivity?: { kl: number; agreementPct: number; top1DropPoints: number };
}

/** A layer's metrics; the top-level tier fields are its first (widest) tier, `tiers` lists all, widest first. */
export interface LayerInfo {
  name: string;
  op: string;
  weights: number;
  tiers?: TierInfo[];
  codeBits: number;
  /** kernel-weight bits saved against 8-bit when the layer is power-of-two */
  bitsSaved: number;
  sqnrDb: number;
  nsr: number;
  entropyBits: number;
  sensitivity?: { kl: number; agreementPct: number; top1DropPoints: number };
}

/** Static metrics from the 8-bit graph, one all-PoT graph per code width (widest first) and the float weights. */
export function staticMetrics(q8: QGraph, qpots: QGraph | readonly QGraph[], floatWeights: ReadonlyMap<string, Float32Array>): LayerInfo[] {
  const pots = (Array.isArray(qpots) ? qpots : [qpots]).map((g) => new Map(weightLayers(g).map((l) => [l.name, l])));
  return weightLayers(q8).map((l) => {
    const wf = floatWeights.get(l.name)!;
    const tiers = pots.map((pot): TierInfo => {
      const p = pot.get(l.name);
      if (!p?.pot) throw new Error(`layer '${l.name}' has no power-of-two form`);
      let sig = 0, noise = 0;
      const per = wf.length / p.weightScale.length;
      for (let i = 0; i < wf.length; i++) {
        sig += wf[i]! ** 2;
        noise += (wf[i]! - p.weightScale[Math.floor(i / per)]! * p.weights[i]!) ** 2;
      }
      const nsr = sig > 0 ? noise / sig : 0;
      return { codeBits: p.pot.bits, bitsSaved: l.weights.length * (8 - p.pot.bits), sqnrDb: nsr > 0 ? -10 * Math.log10(nsr) : Infinity, nsr };
    });
    return { name: l.name, op: l.op, weights: l.weights.length, ...tiers[0]!, entropyBits: histogramEntropy(l), tiers };
  });
}

/** The tiers of a layer (a layer without `tiers` has one: its top-level fields). */
export function tiersOf(l: LayerInfo): TierInfo[] {
  return l.tiers ?? [l];
}

/** The cost of a layer at one of its tiers. Entropy has no width: scaled by the bits a weight loses. */
export function tierCost(l: LayerInfo, t: TierInfo, metric: MetricName): number {
  if (metric === 'error') return t.nsr;
  if (metric === 'entropy') return (l.entropyBits * (8 - t.codeBits)) / (8 - tiersOf(l)[0]!.codeBits);
  if (!t.sensitivity) throw new Error(`layer '${l.name}' has no measured sensitivity at ${t.codeBits} bits`);
  return t.sensitivity.kl;
}

function histogramEntropy(l: WeightLayer): number {
  const hist = new Map<number, number>();
  for (const v of l.weights) hist.set(v, (hist.get(v) ?? 0) + 1);
  let h = 0;
  for (const c of hist.values()) {
    const p = c / l.weights.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** The 8-bit graph with the named layers taken from the all-PoT graph. */
export function mixLayers(q8: QGraph, qpot: QGraph, names: ReadonlySet<string>): QGraph {
  const pot = new Map(qpot.nodes.map((n) => [n.name, n]));
  return { ...q8, nodes: q8.nodes.map((n) => (names.has(n.name) ? pot.get(n.name)! : n)) };
}

/** The 8-bit graph with each assigned layer taken from the all-PoT graph of its code width. */
export function mixTiers(q8: QGraph, qpots: ReadonlyMap<number, QGraph>, bits: ReadonlyMap<string, number>): QGraph {
  const by = new Map([...qpots].map(([b, g]) => [b, new Map(g.nodes.map((n) => [n.name, n]))]));
  return { ...q8, nodes: q8.nodes.map((n) => {
    const b = bits.get(n.name);
    if (b === undefined) return n;
    const node = by.get(b)?.get(n.name);
    if (!node) throw new Error(`layer '${n.name}' has no ${b}-bit power-of-two form`);
    return node;
  }) };
}

/** Softmax KL(P_base || P) averaged over rows, top-1 agreement and accuracy change. */
export function compareLogits(base: Float32Array, other: Float32Array, labels: Uint8Array, classes: number): { kl: number; agreementPct: number; top1DropPoints: number } {
  const n = base.length / classes;
  let kl = 0, agree = 0, cb = 0, co = 0;
  const pb = new Float64Array(classes), po = new Float64Array(classes);
  for (let i = 0; i < n; i++) {
    softmax(base, i * classes, classes, pb);
    softmax(other, i * classes, classes, po);
    for (let j = 0; j < classes; j++) if (pb[j]! > 0) kl += pb[j]! * Math.log(pb[j]! / Math.max(po[j]!, 1e-30));
    const ab = argmaxRow(pb, 0, classes), ao = argmaxRow(po, 0, classes);
    if (ab === ao) agree++;
    if (ab === labels[i]) cb++;
    if (ao === labels[i]) co++;
  }
  return { kl: kl / n, agreementPct: (100 * agree) / n, top1DropPoints: (100 * (cb - co)) / n };
}

function softmax(x: Float32Array, off: number, k: number, out: Float64Array): void {
  let m = -Infinity;
  for (let j = 0; j < k; j++) m = Math.max(m, x[off + j]!);
  let s = 0;
  for (let j = 0; j < k; j++) s += (out[j] = Math.exp(x[off + j]! - m));
  for (let j = 0; j < k; j++) out[j]! /= s;
}

/** The cost a metric assigns to a layer (lower = better PoT candidate). */
export function metricCost(l: LayerInfo, metric: MetricName): number {
  if (metric === 'error') return l.nsr;
  if (metric === 'entropy') return l.entropyBits;
  if (!l.sensitivity) throw new Error(`layer '${l.name}' has no measured sensitivity`);
  return l.sensitivity.kl;
}
