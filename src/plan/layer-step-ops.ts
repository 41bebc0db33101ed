// The kernel calls of the nodes issue 12 added (layerStep's cases for QNodeExtra): validation
// of each node's fields, params, and the packed constants (tables) the kernels read.

import { checkFixedPoint } from '../core/fixed-point.js';
import { checkInt, validateWindow } from '../engine/conv-geometry.js';
import { CONCAT_MAX_INPUTS } from '../engine/kernel-specs-ops.js';
import type { KernelName, KernelParams } from '../engine/kernel-specs.js';
import type { QParams } from '../ir/qgraph.js';
import { avgpoolCountBounds, SOFTMAX_MAX_K, type QNodeExtra } from '../ir/qgraph-ops.js';

/** A LayerStep (src/plan/layer-step.ts, which imports this file). */
export interface ExtraStep {
  kernel: KernelName;
  params: KernelParams<KernelName>;
  inputFields: readonly string[];
  packed: Uint8Array | null;
  constantBytes: number;
  scratchBytes: number;
  unpackBytes: number;
  perImage: number;
}

const fail = (op: string, message: string): never => {
  throw new Error(`${op}: ${message}`);
};

const bytesOf = (a: Int8Array | Int32Array) => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));

function step<K extends KernelName>(kernel: K, params: KernelParams<K>, inputFields: readonly string[], packed: Uint8Array | null, perImage = 1): ExtraStep {
  return { kernel, params, inputFields, packed, constantBytes: packed?.length ?? 0, scratchBytes: 0, unpackBytes: 0, perImage } as ExtraStep;
}

export function extraLayerStep(node: QNodeExtra, qp: (value: string) => QParams, size: (value: string) => number): ExtraStep {
  const op = `plan(${node.name})`;
  const zp = (v: string, what: string) => {
    const z = qp(v).zeroPoint;
    checkInt(op, `${what}.zeroPoint`, z, -128, 127);
    return z;
  };
  switch (node.op) {
    case 'avgpool': {
      const g = node.geometry;
      validateWindow(op, g);
      const cells = g.kh * g.kw;
      if (node.mult.length !== cells || node.shift.length !== cells) fail(op, `the divisor table has ${node.mult.length} mults and ${node.shift.length} shifts, expected ${cells}`);
      const table = new Int32Array(2 * cells);
      for (let d = 0; d < cells; d++) {
        checkFixedPoint(node.mult[d]!, node.shift[d]!, `requant[${d}]`, (m) => fail(op, m));
        table[2 * d] = node.mult[d]!;
        table[2 * d + 1] = node.shift[d]!;
      }
      const [cntLoH, cntHiH, cntLoW, cntHiW] = avgpoolCountBounds(node);
      return step('qs8-avgpool', {
        input: 0, output: 0, packed: 0, n: 1, c: g.c, h: g.h, w: g.w, kh: g.kh, kw: g.kw, strideH: g.strideH, strideW: g.strideW,
        padTop: g.padTop, padLeft: g.padLeft, dilationH: g.dilationH, dilationW: g.dilationW, oh: g.oh, ow: g.ow,
        zx: zp(node.inputs[0]!, 'xq'), zy: zp(node.outputs[0]!, 'yq'), cntLoH, cntHiH, cntLoW, cntHiW,
      }, ['input'], bytesOf(table));
    }
    case 'lut': {
      if (node.table.length !== 256) fail(op, `the table has ${node.table.length} entries, expected 256`);
      const count = node.size;
      checkInt(op, 'size', count, 1, 2 ** 30);
      if (size(node.inputs[0]!) !== count || size(node.outputs[0]!) !== count) fail(op, 'input and output sizes differ from size');
      return step('x8-lut', { input: 0, output: 0, packed: 0, count }, ['input'], bytesOf(node.table), count);
    }
    case 'concat': {
      const k = node.inputs.length;
      if (k < 1 || k > CONCAT_MAX_INPUTS || node.lens.length !== k) fail(op, `${k} inputs and ${node.lens.length} lengths (1..${CONCAT_MAX_INPUTS} per call)`);
      checkInt(op, 'outer', node.outer, 1, 2 ** 30);
      node.lens.forEach((l, i) => {
        checkInt(op, `lens[${i}]`, l, 1, 2 ** 30);
        if (size(node.inputs[i]!) !== node.outer * l) fail(op, `input ${i} has ${size(node.inputs[i]!)} values, expected ${node.outer} x ${l}`);
      });
      if (size(node.outputs[0]!) !== node.outer * node.lens.reduce((s, l) => s + l, 0)) fail(op, 'the output size is not the sum of the inputs');
      const z = zp(node.outputs[0]!, 'yq');
      const q = qp(node.outputs[0]!);
      node.inputs.forEach((v, i) => {
        if (qp(v).scale !== q.scale || zp(v, `input ${i}`) !== z) fail(op, `input ${i} is not quantized like the output (the quantizer requantizes it first)`);
      });
      const len = (i: number) => node.lens[i] ?? 0;
      return step('x8-concat', { in0: 0, in1: 0, in2: 0, in3: 0, output: 0, n: 1, outer: node.outer, inputs: k, len0: len(0), len1: len(1), len2: len(2), len3: len(3) },
        node.inputs.map((_, i) => `in${i}`), null);
    }
    case 'mul': {
      checkInt(op, 'size', node.size, 1, 2 ** 30);
      checkInt(op, 'bSize', node.bSize, 1, node.size);
      if (node.size % node.bSize !== 0) fail(op, `bSize ${node.bSize} does not divide size ${node.size}`);
      if (size(node.inputs[0]!) !== node.size || size(node.inputs[1]!) !== node.bSize) fail(op, 'input sizes do not match size / bSize');
      checkFixedPoint(node.mult, node.shift, 'requant', (m) => fail(op, m));
      checkInt(op, 'qmin', node.qmin, -128, 127);
      checkInt(op, 'qmax', node.qmax, node.qmin, 127);
      return step('qs8-vmul', {
        a: 0, b: 0, output: 0, n: 1, size: node.size, bSize: node.bSize, za: zp(node.inputs[0]!, 'aq'), zb: zp(node.inputs[1]!, 'bq'), zy: zp(node.outputs[0]!, 'yq'),
        mult: node.mult, shift: node.shift, qmin: node.qmin, qmax: node.qmax,
      }, ['a', 'b'], null);
    }
    case 'softmax': {
      checkInt(op, 'k', node.k, 1, SOFTMAX_MAX_K);
      checkInt(op, 'rows', node.rows, 1, 2 ** 30);
      if (size(node.inputs[0]!) !== node.rows * node.k) fail(op, `the input has ${size(node.inputs[0]!)} values, expected ${node.rows} x ${node.k}`);
      if (node.exp.length !== 256) fail(op, `the exp table has ${node.exp.length} entries, expected 256`);
      node.exp.forEach((e, d) => checkInt(op, `exp[${d}]`, e, 0, 65536));
      if (node.exp[0] !== 65536) fail(op, 'exp[0] must be 65536');
      return step('qs8-softmax', { input: 0, output: 0, packed: 0, n: 1, rows: node.rows, k: node.k }, ['input'], bytesOf(node.exp));
    }
  }
}
