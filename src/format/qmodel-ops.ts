// The GRAPH-section nodes issue 12 added (avgpool, lut, concat, mul, softmax; semantics in
// src/ir/qgraph-ops.ts), read and checked field by field like the others (src/format/qmodel-graph.ts).
// Their arrays (divisor multipliers and shifts, tables) are TENSORS references like every other.

import { checkFixedPoint } from '../core/fixed-point.js';
import type { LimitName } from '../core/limits.js';
import { SOFTMAX_MAX_K, type PoolGeometry, type QNodeExtra } from '../ir/qgraph-ops.js';
import type { QParams } from '../ir/qgraph.js';

export const EXTRA_OPS = ['avgpool', 'lut', 'concat', 'mul', 'softmax'] as const;

/** The GraphReader checks this file uses (its private helpers, passed in). */
export interface ReadHelpers {
  fail(msg: string): never;
  int(v: unknown, what: string, lo?: number, hi?: number): number;
  lim(name: LimitName, v: unknown, what: string): number;
  ints(v: unknown, what: string, lo?: number, hi?: number, max?: number): number[];
  i8(v: unknown, count: number, what: string): Int8Array;
  i32(v: unknown, count: number, what: string): Int32Array;
  geometry(v: unknown, what: string): PoolGeometry;
  /** elements per image of a value; its params */
  size(name: string): number;
  q(name: string): QParams;
}

export function readExtraNode(o: Record<string, unknown>, base: { name: string; inputs: string[]; outputs: string[] }, what: string, h: ReadHelpers): QNodeExtra {
  const { inputs, outputs } = base;
  const arity = (lo: number, hi = lo) => (inputs.length >= lo && inputs.length <= hi) || h.fail(`${what} must have ${lo === hi ? lo : `${lo}..${hi}`} input(s)`);
  const sizes = (x: number, y: number) => (h.size(inputs[0]!) === x && h.size(outputs[0]!) === y) || h.fail(`${what}: value sizes do not match the op`);
  const qmin = () => h.int(o.qmin, `${what} qmin`, -128, 127), qmax = () => h.int(o.qmax, `${what} qmax`, -128, 127);
  switch (o.op) {
    case 'avgpool': {
      arity(1);
      const geometry = h.geometry(o.geometry, `${what} geometry`);
      sizes(geometry.h * geometry.w * geometry.c, geometry.oh * geometry.ow * geometry.c);
      if (typeof o.countIncludePad !== 'boolean') h.fail(`${what} countIncludePad must be true or false`);
      const cells = geometry.kh * geometry.kw;
      if (cells > 1 << 16) h.fail(`${what}: a window of ${cells} cells is more than 65536`);
      const mult = h.i32(o.mult, cells, `${what} mult`), shift = h.i32(o.shift, cells, `${what} shift`);
      for (let d = 0; d < cells; d++) checkFixedPoint(mult[d]!, shift[d]!, `${what} divisor ${d + 1}`, h.fail);
      const ceilExtra = h.ints(o.ceilExtra, `${what} ceilExtra`, 0, 2 ** 16, 2);
      if (ceilExtra.length !== 2 || ceilExtra[0]! > geometry.padBottom || ceilExtra[1]! > geometry.padRight) h.fail(`${what} ceilExtra must be 2 values within padBottom, padRight`);
      return { ...base, op: 'avgpool', geometry, countIncludePad: o.countIncludePad as boolean, ceilExtra: [ceilExtra[0]!, ceilExtra[1]!], mult, shift };
    }
    case 'lut': {
      arity(1);
      const size = h.lim('elementsPerImage', o.size, `${what} size`);
      sizes(size, size);
      return { ...base, op: 'lut', size, table: h.i8(o.table, 256, `${what} table`) };
    }
    case 'concat': {
      arity(1, 4);
      const outer = h.lim('elementsPerImage', o.outer, `${what} outer`);
      const lens = h.ints(o.lens, `${what} lens`, 1, 2 ** 26, 4);
      if (lens.length !== inputs.length) h.fail(`${what}: ${lens.length} lengths for ${inputs.length} inputs`);
      lens.forEach((l, i) => h.size(inputs[i]!) === outer * l || h.fail(`${what}: input ${i} size does not match outer x lens[${i}]`));
      if (h.size(outputs[0]!) !== outer * lens.reduce((s, l) => s + l, 0)) h.fail(`${what}: the output size is not the sum of the inputs`);
      const y = h.q(outputs[0]!);
      inputs.forEach((v, i) => (h.q(v).scale === y.scale && h.q(v).zeroPoint === y.zeroPoint) || h.fail(`${what}: input ${i} is not quantized like the output`));
      return { ...base, op: 'concat', outer, lens };
    }
    case 'mul': {
      arity(2);
      const size = h.lim('elementsPerImage', o.size, `${what} size`), bSize = h.int(o.bSize, `${what} bSize`, 1, size);
      if (size % bSize !== 0) h.fail(`${what}: bSize does not divide size`);
      sizes(size, size);
      if (h.size(inputs[1]!) !== bSize) h.fail(`${what}: input 1 size does not match bSize`);
      const mult = h.int(o.mult, `${what} mult`), shift = h.int(o.shift, `${what} shift`);
      checkFixedPoint(mult, shift, `${what} requant`, h.fail);
      const lo = qmin(), hi = qmax();
      if (lo > hi) h.fail(`${what}: qmin > qmax`);
      return { ...base, op: 'mul', size, bSize, mult, shift, qmin: lo, qmax: hi };
    }
    case 'softmax': {
      arity(1);
      const rows = h.lim('elementsPerImage', o.rows, `${what} rows`), k = h.int(o.k, `${what} k`, 1, SOFTMAX_MAX_K);
      sizes(rows * k, rows * k);
      const exp = h.i32(o.exp, 256, `${what} exp`);
      if (exp[0] !== 65536 || exp.some((e) => e < 0 || e > 65536)) h.fail(`${what} exp table must start at 65536 and stay in [0, 65536]`);
      return { ...base, op: 'softmax', rows, k, exp };
    }
    default:
      return h.fail(`${what} has unknown op ${JSON.stringify(o.op)}`);
  }
}
