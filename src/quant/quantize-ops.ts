// Quantization of the lowered ops issue 12 added (called by quantizeLowered for each of them):
//   - lut (activations, Mul by a constant, a Relu / Clip that fusion left alone): the table is
//     the float function on every representable input, quantized to the output's calibrated
//     params: table[q + 128] = quantize(f(s_x * (q - z_x)), y) (exact by construction);
//   - avgpool: one (mult, shift) per possible divisor d = 1 .. kh*kw, for s_x / (s_y * d);
//   - concat: inputs whose params differ from the output's (calibrated range: the union of the
//     inputs') get a requantizing lut in front, table[q + 128] = clamp(z_y + requant(q - z_x));
//     with `concatScale: 'shared'` (default) the inputs' producers are first calibrated to the
//     output's range (concatSharedRanges), so convs write the shared scale directly and no lut
//     is needed where a producer honours it (measured: test/e2e/concat-scale.test.ts);
//   - mul: one multiplier s_a * s_b / s_y; softmax: the exp table of its input scale, output at 1/256.

import { QuantizationError } from '../core/errors.js';
import { quantizeMultiplier } from '../core/fixed-point.js';
import { requantize } from '../core/requant.js';
import { clampInt, roundHalfEven } from '../core/rounding.js';
import type { Clamp, LNode, LoweredGraph } from '../ir/lowered.js';
import type { QNode, QParams, QValue } from '../ir/qgraph.js';
import { SOFTMAX_MAX_K, SOFTMAX_OUTPUT_Q } from '../ir/qgraph-ops.js';
import { CONCAT_MAX_INPUTS } from '../engine/kernel-specs-ops.js';
import { activationParams, quantizeValue, type Range } from './qparams.js';

/** Largest avgpool window: its divisor table holds one multiplier per cell count. */
export const AVGPOOL_MAX_CELLS = 1 << 16;

export interface QuantizeOpsContext {
  qv(name: string): QValue;
  rangeOf(name: string): Range;
  /** defines a value of the lowered graph (its per-image shape) with these params */
  define(name: string, q: QParams, shape?: number[]): QValue;
}

const sizeOf = (v: QValue) => v.shape.reduce((p, d) => p * d, 1);

const fail = (n: LNode, msg: string): never => {
  throw new QuantizationError(`node '${n.name}' (${n.source}): ${msg}`);
};

/** table[q + 128] = f(q), q in [-128, 127]. */
export function lutOf(f: (q: number) => number): Int8Array {
  const t = new Int8Array(256);
  for (let q = -128; q < 128; q++) t[q + 128] = clampInt(f(q), -128, 127);
  return t;
}

/** The table of a float function from x's params to y's. */
export function floatLut(fn: (x: number) => number, xq: QParams, yq: QParams, n: LNode): Int8Array {
  return lutOf((q) => {
    const y = fn(xq.scale * (q - xq.zeroPoint));
    if (Number.isNaN(y)) fail(n, `the function is NaN at input ${xq.scale * (q - xq.zeroPoint)} (code ${q})`);
    return quantizeValue(y, yq);
  });
}

/** The table that requantizes x's params to y's (integer: the one requantization rule). */
export function requantLut(xq: QParams, yq: QParams, what: string): Int8Array {
  const { mult, shift } = quantizeMultiplier(xq.scale / yq.scale, what);
  return lutOf((q) => yq.zeroPoint + requantize(q - xq.zeroPoint, mult, shift));
}

/** A Relu / Clip on float32 inputs, as the float op computes it. */
const clampFn = (c: Clamp) => (x: number) => {
  const v = Math.fround(x);
  return v < c.lo ? Math.fround(c.lo) : v > c.hi ? Math.fround(c.hi) : v;
};

/** exp[d] = round(2^16 * exp(-s * d)), d = 0 .. 255. */
export function softmaxExpTable(scale: number): Int32Array {
  return Int32Array.from({ length: 256 }, (_, d) => roundHalfEven(65536 * Math.exp(-scale * d)));
}

/** The quantized nodes of `n` (a requantizing lut may precede a concat). */
export function quantizeExtra(n: LNode, cx: QuantizeOpsContext): QNode[] {
  const { name, inputs } = n;
  const out = n.outputs[0]!;
  const calibrated = () => cx.define(out, activationParams(cx.rangeOf(out), `value '${out}'`));
  switch (n.op) {
    case 'lut':
    case 'clamp': {
      const x = cx.qv(inputs[0]!), y = calibrated();
      const fn = n.op === 'lut' ? n.fn : clampFn(n.clamp);
      return [{ op: 'lut', name, inputs: [x.name], outputs: [out], size: sizeOf(x), table: floatLut(fn, x.q, y.q, n) }];
    }
    case 'avgpool': {
      const x = cx.qv(inputs[0]!), y = calibrated();
      const cells = n.geometry.kh * n.geometry.kw;
      if (cells > AVGPOOL_MAX_CELLS) fail(n, `a ${n.geometry.kh}x${n.geometry.kw} window has more than ${AVGPOOL_MAX_CELLS} cells`);
      const mult = new Int32Array(cells), shift = new Int32Array(cells);
      for (let d = 1; d <= cells; d++) {
        const fp = quantizeMultiplier(x.q.scale / (y.q.scale * d), `node '${name}' requantization (divisor ${d})`);
        mult[d - 1] = fp.mult;
        shift[d - 1] = fp.shift;
      }
      return [{ op: 'avgpool', name, inputs: [x.name], outputs: [out], geometry: n.geometry, countIncludePad: n.countIncludePad, ceilExtra: [...n.ceilExtra], mult, shift }];
    }
    case 'concat': {
      const y = calibrated();
      const pre: QNode[] = [];
      const ins = inputs.map((i, k) => {
        const x = cx.qv(i);
        if (x.q.scale === y.q.scale && x.q.zeroPoint === y.q.zeroPoint) return i;
        const v = `${i}__${name}_in${k}`;
        cx.define(v, y.q, x.shape);
        pre.push({ op: 'lut', name: `${name}/requant${k}`, inputs: [i], outputs: [v], size: sizeOf(x), table: requantLut(x.q, y.q, `node '${name}' input ${k} requantization`) });
        return v;
      });
      // more inputs than one kernel call takes: a chain, each link's output the next one's first input
      const chain: QNode[] = [];
      let cur = ins.slice(0, CONCAT_MAX_INPUTS), lens = n.lens.slice(0, CONCAT_MAX_INPUTS), next = CONCAT_MAX_INPUTS;
      while (next < ins.length) {
        const v = `${name}__part${chain.length}`, len = lens.reduce((s, l) => s + l, 0);
        cx.define(v, y.q, [n.outer * len]);
        chain.push({ op: 'concat', name: `${name}/part${chain.length}`, inputs: cur, outputs: [v], outer: n.outer, lens });
        const take = CONCAT_MAX_INPUTS - 1;
        cur = [v, ...ins.slice(next, next + take)];
        lens = [len, ...n.lens.slice(next, next + take)];
        next += take;
      }
      return [...pre, ...chain, { op: 'concat', name, inputs: cur, outputs: [out], outer: n.outer, lens }];
    }
    case 'mul': {
      const a = cx.qv(inputs[0]!), b = cx.qv(inputs[1]!), y = calibrated();
      const { mult, shift } = quantizeMultiplier((a.q.scale * b.q.scale) / y.q.scale, `node '${name}' requantization`);
      return [{ op: 'mul', name, inputs: [a.name, b.name], outputs: [out], size: n.size, bSize: n.bSize, mult, shift, qmin: -128, qmax: 127 }];
    }
    case 'softmax': {
      const x = cx.qv(inputs[0]!);
      if (n.k > SOFTMAX_MAX_K) fail(n, `a softmax over ${n.k} values is longer than ${SOFTMAX_MAX_K} (the integer sum would overflow)`);
      cx.define(out, { ...SOFTMAX_OUTPUT_Q });
      return [{ op: 'softmax', name, inputs: [x.name], outputs: [out], rows: n.rows, k: n.k, exp: softmaxExpTable(x.q.scale) }];
    }
    default:
      return fail(n, 'this op has no integer kernel');
  }
}

export type ConcatScale = 'shared' | 'requantize';

/**
 * 'shared': the calibrated range of every concat input becomes its output's (the union), so
 * the layers writing them requantize straight to the shared scale; 'requantize': unchanged.
 */
export function concatSharedRanges(l: LoweredGraph, ranges: ReadonlyMap<string, Range>, mode: ConcatScale): ReadonlyMap<string, Range> {
  if (mode === 'requantize' || !l.nodes.some((n) => n.op === 'concat')) return ranges;
  const r = new Map(ranges);
  for (const n of [...l.nodes].reverse()) {
    if (n.op !== 'concat') continue;
    const o = r.get(n.outputs[0]!);
    if (o) for (const i of n.inputs) if (r.has(i)) r.set(i, o);
  }
  return r;
}
