// Hardware cost report of a quantized model (`doubleq inspect --hw`): per conv / gemm layer the
// never-overflowing accumulator width beside the generic bound (./accumulator-width.ts), what
// the power-of-two layers turn from multipliers into shifters, and the ROM bits of the
// exported memories (./weight-memory.ts: weights at their word width, and per output channel
// bias 32 + mult 32 + shift 8 bits).
//
// Multipliers and shifters are counted two ways: per processing element of hw/rtl (one PE
// per output channel: M multipliers for an int8 layer, M shifters for a power-of-two one) and
// per weight (a fully unrolled datapath, one per weight), plus the multiplies per image.

import type { QGraph } from '../ir/qgraph.js';
import { accumulatorBounds } from './accumulator-width.js';
import { BIAS_BITS, MULT_BITS, SHIFT_BITS, weightWordBits } from './weight-memory.js';

export interface HwLayer {
  name: string;
  op: 'conv' | 'gemm';
  format: 'int8' | 'pot';
  outChannels: number;
  taps: number;
  macsPerImage: number;
  accumulatorBits: number;
  genericAccumulatorBits: number;
  /** the extremes any partial sum can reach */
  accumulatorRange: [number, number];
  /** one PE per output channel: multipliers (int8) or shifters (pot) */
  multipliersPerChannel: number;
  shiftersPerChannel: number;
  /** fully unrolled: one per weight */
  multipliersPerWeight: number;
  shiftersPerWeight: number;
  weightWordBits: number;
  weightRomBits: number;
  constantRomBits: number;
}

export interface HwReport {
  model: string;
  layers: HwLayer[];
  totals: {
    layers: number;
    potLayers: number;
    /** layers whose accumulator is narrower than the generic bound */
    tighterThanGeneric: number;
    maxAccumulatorBits: number;
    maxGenericAccumulatorBits: number;
    macsPerImage: number;
    shiftMacsPerImage: number;
    multipliersPerChannel: number;
    shiftersPerChannel: number;
    multipliersPerWeight: number;
    shiftersPerWeight: number;
    weightRomBits: number;
    /** the same weights all int8 */
    weightRomBitsInt8: number;
    constantRomBits: number;
    romBits: number;
  };
}

export function hwReport(q: QGraph, model: string): HwReport {
  const bounds = accumulatorBounds(q);
  const layers: HwLayer[] = [];
  for (const n of q.nodes) {
    if (n.op !== 'conv' && n.op !== 'gemm') continue;
    const b = bounds.get(n.name)!;
    const m = n.op === 'conv' ? n.geometry.m : n.m;
    const pixels = n.op === 'conv' ? n.geometry.oh * n.geometry.ow : 1;
    const pot = !!n.pot;
    layers.push({
      name: n.name, op: n.op, format: pot ? 'pot' : 'int8', outChannels: m, taps: b.taps, macsPerImage: pixels * m * b.taps,
      accumulatorBits: b.bits, genericAccumulatorBits: b.genericBits, accumulatorRange: [b.lo, b.hi],
      multipliersPerChannel: pot ? 0 : m, shiftersPerChannel: pot ? m : 0,
      multipliersPerWeight: pot ? 0 : n.weights.length, shiftersPerWeight: pot ? n.weights.length : 0,
      weightWordBits: weightWordBits(n), weightRomBits: weightWordBits(n) * n.weights.length, constantRomBits: m * (BIAS_BITS + MULT_BITS + SHIFT_BITS),
    });
  }
  const sum = (f: (l: HwLayer) => number) => layers.reduce((s, l) => s + f(l), 0);
  const weightRomBits = sum((l) => l.weightRomBits), constantRomBits = sum((l) => l.constantRomBits);
  return {
    model, layers,
    totals: {
      layers: layers.length, potLayers: sum((l) => (l.format === 'pot' ? 1 : 0)),
      tighterThanGeneric: sum((l) => (l.accumulatorBits < l.genericAccumulatorBits ? 1 : 0)),
      maxAccumulatorBits: Math.max(0, ...layers.map((l) => l.accumulatorBits)), maxGenericAccumulatorBits: Math.max(0, ...layers.map((l) => l.genericAccumulatorBits)),
      macsPerImage: sum((l) => l.macsPerImage), shiftMacsPerImage: sum((l) => (l.format === 'pot' ? l.macsPerImage : 0)),
      multipliersPerChannel: sum((l) => l.multipliersPerChannel), shiftersPerChannel: sum((l) => l.shiftersPerChannel),
      multipliersPerWeight: sum((l) => l.multipliersPerWeight), shiftersPerWeight: sum((l) => l.shiftersPerWeight),
      weightRomBits, weightRomBitsInt8: sum((l) => 8 * (l.weightRomBits / l.weightWordBits)), constantRomBits, romBits: weightRomBits + constantRomBits,
    },
  };
}

const fmt = (n: number) => n.toLocaleString('en-US');

export function formatHwReport(r: HwReport): string {
  const head = ['layer', 'op', 'weights', 'taps', 'acc bits', 'generic', 'mult/PE', 'shift/PE', 'weight ROM bits', 'const ROM bits'];
  const rows = r.layers.map((l) => [l.name, l.op, l.format === 'pot' ? `pot${l.weightWordBits}` : 'int8', fmt(l.taps), String(l.accumulatorBits), String(l.genericAccumulatorBits),
    fmt(l.multipliersPerChannel), fmt(l.shiftersPerChannel), fmt(l.weightRomBits), fmt(l.constantRomBits)]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((c, i) => (i >= 3 ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ').trimEnd();
  const t = r.totals;
  return [
    `hardware report: ${r.model}`,
    '',
    line(head),
    ...rows.map(line),
    '',
    `accumulators: at most ${t.maxAccumulatorBits} bits (generic bound: ${t.maxGenericAccumulatorBits}); narrower than the generic bound in ${t.tighterThanGeneric} of ${t.layers} layers`,
    `multipliers replaced by shifters: ${t.potLayers} of ${t.layers} layers power-of-two; per-channel PEs ${fmt(t.shiftersPerChannel)} shifters + ${fmt(t.multipliersPerChannel)} multipliers; ` +
      `fully unrolled ${fmt(t.shiftersPerWeight)} shifters + ${fmt(t.multipliersPerWeight)} multipliers; ${fmt(t.shiftMacsPerImage)} of ${fmt(t.macsPerImage)} MACs per image are shift-adds`,
    `ROM: ${fmt(t.romBits)} bits = ${fmt(t.weightRomBits)} weights (all-int8: ${fmt(t.weightRomBitsInt8)}) + ${fmt(t.constantRomBits)} bias/mult/shift`,
  ].join('\n');
}
