// One manifest.json entry per QGraph node: everything a hardware design (or a reader) needs to
// run the layer from the exported files: op, shapes, window, zero points, clamps, constants,
// the files of its memories and the integer rules it follows.

import type { QGraph, QNode } from '../ir/qgraph.js';
import type { AccumulatorBound } from './accumulator-width.js';
import { cIdent, type MemoryFormat } from './text-formats.js';
import { ACTIVATION_BITS, BIAS_BITS, MULT_BITS, SHIFT_BITS, weightWordBits } from './weight-memory.js';

export const REQUANT_RULE = 'y = clamp(zy + floor((acc * mult + 2^(shift-1)) / 2^shift), qmin, qmax); acc * mult exact (64-bit)';
export const ROUNDING_RULE = 'round half toward +infinity: add 2^(shift-1), arithmetic shift right by shift';
export const ADD_RULE = 'y = clamp(zy + floor(((a - za) * aMult + (b - zb) * bMult + 2^(shift-1)) / 2^shift), qmin, qmax)';
export const GAVGPOOL_RULE = 'y = clamp(zy + floor((sum_hw (x - zx) * mult + 2^(shift-1)) / 2^shift), -128, 127)';
export const INPUT_RULE = 'q = clamp(roundHalfEven(float32(x / scale)) + zeroPoint, -128, 127), NCHW float -> NHWC int8';

/** A file name stem unique per node: its index and a sanitised name. */
export function layerId(index: number, name: string): string {
  const s = cIdent(name).replace(/_+/g, '_').replace(/^_|_$/g, '');
  return `l${String(index).padStart(2, '0')}_${s || 'node'}`.slice(0, 80);
}

export type MemoryFiles = Partial<Record<MemoryFormat, string>>;

export interface MemoryEntry {
  wordBits: number;
  words: number;
  files: MemoryFiles;
}

export interface LayerFiles {
  weights: MemoryFiles;
  bias: MemoryFiles;
  mult: MemoryFiles;
  shift: MemoryFiles;
  header?: string;
}

export function layerEntry(q: QGraph, index: number, n: QNode, files: LayerFiles | undefined, acc: AccumulatorBound | undefined): Record<string, unknown> {
  const val = (v: string) => q.values.get(v)!;
  const base = {
    index, id: layerId(index, n.name), name: n.name, op: n.op,
    inputs: n.inputs, output: n.outputs[0]!,
    inputShapes: n.inputs.map((v) => val(v).shape), outputShape: val(n.outputs[0]!).shape,
    zeroPoints: { inputs: n.inputs.map((v) => val(v).q.zeroPoint), output: val(n.outputs[0]!).q.zeroPoint },
    activationBits: ACTIVATION_BITS,
  };
  switch (n.op) {
    case 'conv':
    case 'gemm': {
      const m = n.op === 'conv' ? n.geometry.m : n.m;
      const words = n.weights.length;
      const mem = (wordBits: number, count: number, f: MemoryFiles): MemoryEntry => ({ wordBits, words: count, files: f });
      const shape = n.op === 'conv'
        ? { kernel: [n.geometry.kh, n.geometry.kw], strides: [n.geometry.strideH, n.geometry.strideW], dilations: [n.geometry.dilationH, n.geometry.dilationW],
          pads: { top: n.geometry.padTop, left: n.geometry.padLeft, bottom: n.geometry.padBottom, right: n.geometry.padRight },
          group: n.geometry.group, inChannels: n.geometry.c, outChannels: m,
          weightOrder: 'OHWI: address = ((m * kh + ky) * kw + kx) * (inChannels / group) + ci' }
        : { inFeatures: n.k, outFeatures: m, weightOrder: 'address = m * inFeatures + k' };
      return {
        ...base, ...shape,
        weights: { format: n.pot ? 'pot' : 'int8', ...(n.pot ? { rule: n.pot.rule, code: 'sign bit (top) + magnitude (0 = zero weight, else exponent + 1)' } : {}),
          ...mem(weightWordBits(n), words, files?.weights ?? {}) },
        bias: mem(BIAS_BITS, m, files?.bias ?? {}),
        mult: mem(MULT_BITS, m, files?.mult ?? {}),
        shift: mem(SHIFT_BITS, m, files?.shift ?? {}),
        ...(files?.header ? { header: files.header } : {}),
        qmin: n.qmin, qmax: n.qmax,
        bitWidths: { activation: ACTIVATION_BITS, weight: weightWordBits(n), bias: BIAS_BITS, mult: MULT_BITS, shift: SHIFT_BITS, product: 64, accumulator: acc?.bits },
        accumulator: acc ? { bits: acc.bits, genericBits: acc.genericBits, lo: acc.lo, hi: acc.hi, taps: acc.taps } : undefined,
        rounding: ROUNDING_RULE,
        requantization: REQUANT_RULE,
      };
    }
    case 'add':
      return { ...base, aMult: n.aMult, bMult: n.bMult, shift: n.shift, qmin: n.qmin, qmax: n.qmax, rounding: ROUNDING_RULE, requantization: ADD_RULE };
    case 'gavgpool':
      return { ...base, h: n.h, w: n.w, c: n.c, mult: n.requant.mult, shift: n.requant.shift, rounding: ROUNDING_RULE, requantization: GAVGPOOL_RULE };
    case 'maxpool': {
      const g = n.geometry;
      return { ...base, kernel: [g.kh, g.kw], strides: [g.strideH, g.strideW], dilations: [g.dilationH, g.dilationW],
        pads: { top: g.padTop, left: g.padLeft, bottom: g.padBottom, right: g.padRight },
        rule: 'max over the in-bounds window cells, -128 for a window with none' };
    }
    case 'strided-copy':
      return { ...base, inShape: n.inShape, outShape: n.outShape, start: n.start, step: n.step, lo: n.lo, hi: n.hi, fill: n.fill,
        rule: 'out[o] = in[start + step * (o - lo)] per axis for lo <= o < hi, else fill' };
    case 'to-nchw':
      return { ...base, h: n.h, w: n.w, c: n.c, rule: 'NHWC -> NCHW order' };
    case 'reshape':
      return { ...base, rule: 'same bytes, new shape' };
    default: // issue 12 ops: their scalar fields; semantics in src/ir/qgraph-ops.ts
      return { ...base, ...Object.fromEntries(Object.entries(n).filter(([k, v]) => !ArrayBuffer.isView(v) && !(k in base))), rule: `see src/ir/qgraph-ops.ts (${n.op})` };
  }
}
