// One QNode -> the kernel call that computes it: the kernel and weight form (chosen here, once),
// its packed weights and every params field except the pointers (bound by the executor) and
// the batch. All IR-level validation of a layer is here.
// Weight forms: int8 layers resident as int8 (1 byte per weight: Int8Form); power-of-two layers
// as 4/5-bit codes unpacked per call into scratch ('codes', the compact default), as shift-add
// tap lists ('shift-add', the fast form), or as int16 decoded weights ('int8').

import { checkFixedPoint } from '../core/fixed-point.js';
import { ABI_CONSTANTS } from '../engine/abi.js';
import { checkInt, validateWindow } from '../engine/conv-geometry.js';
import { potwScratchBytes, qc8wScratchBytes, qc8wUnpackedBytes, type KernelName, type KernelParams } from '../engine/kernel-specs.js';
import type { QConv, QGemm, QNode, QParams, QStridedCopy } from '../ir/qgraph.js';
import { packPotCodes } from './pack-potc.js';
import { packPotw, potWeightExponents, potwConvLayout } from './pack-potw.js';
import { packQc8w, tileRows } from './pack-qc8w.js';
import { dwconvStep, isDepthwise } from './pack-dwconv.js';
import { extraLayerStep } from './layer-step-ops.js';

/**
 * How power-of-two layers run (same bytes out): the int8 kernels on codes unpacked per call
 * ('codes', resident at the code width), the shift-add kernels on tap lists ('shift-add'), or
 * the int8 kernels on resident int16 decoded weights ('int8').
 */
export type PotKernels = 'codes' | 'shift-add' | 'int8';
/** The resident weight form: compact = int8 at 1 B/weight and PoT as 'codes'; fast = int8 as int16 and PoT as 'shift-add'. */
export type WeightForm = 'compact' | 'fast';
export const DEFAULT_WEIGHT_FORM: WeightForm = 'compact';
export const potKernelsOf = (w: WeightForm): PotKernels => (w === 'fast' ? 'shift-add' : 'codes');
/**
 * int8 layers: resident as int8 and sign-extended per call into the shared unpack scratch
 * before the int16 kernel ('unpack', the default: measured fastest, bench/results/pot-e2e.md),
 * resident as int8 and widened in the kernel's loop ('widen'), or resident as int16 ('int16',
 * the layout before issue 10).
 */
export type Int8Form = 'unpack' | 'widen' | 'int16';
export const DEFAULT_INT8_FORM: Int8Form = 'unpack';

export interface LayerStep<K extends KernelName = KernelName> {
  kernel: K;
  /** every params field; pointers are 0 and the batch field is 1 until bound */
  params: KernelParams<K>;
  /** the pointer fields that read node.inputs, in order */
  inputFields: readonly string[];
  /** packed weights and per-channel constants, or null */
  packed: Uint8Array | null;
  /** bytes of `packed` that are per-channel constants (headers) rather than weights */
  constantBytes: number;
  scratchBytes: number;
  /** bytes of the unpacked int16 weights the kernel writes first (code-packed layers), else 0 */
  unpackBytes: number;
  /** value of the batch field per image (elementwise kernels count elements) */
  perImage: number;
}

const fail = (op: string, message: string): never => {
  throw new Error(`${op}: ${message}`);
};

function checkQ(op: string, name: string, q: QParams): void {
  checkInt(op, `${name}.zeroPoint`, q.zeroPoint, -128, 127);
}

function checkClamp(op: string, qmin: number, qmax: number): void {
  checkInt(op, 'qmin', qmin, -128, 127);
  checkInt(op, 'qmax', qmax, -128, 127);
  if (qmin > qmax) fail(op, `qmin ${qmin} > qmax ${qmax}`);
}

function checkWeightLayer(op: string, node: QConv | QGemm, m: number, k: number): void {
  checkClamp(op, node.qmin, node.qmax);
  if (node.weights.length !== m * k) fail(op, `weights have ${node.weights.length} values, expected ${m} x ${k} = ${m * k}`);
  if (node.bias.length !== m) fail(op, `bias has ${node.bias.length} values, expected ${m}`);
  const { mult, shift } = node.requant;
  if (mult.length !== m || shift.length !== m) fail(op, `requant has ${mult.length} mults and ${shift.length} shifts, expected ${m}`);
  for (let i = 0; i < m; i++) checkFixedPoint(mult[i]!, shift[i]!, `requant[${i}]`, (msg) => fail(op, msg));
}

const CONV_PTRS = { input: 0, packed: 0, output: 0, scratch: 0, n: 1 };
const NO_CODES = { codeBits: 0, unpacked: 0 };

/** The int8-kernel weight fields and packed bytes of a layer, in the form the options pick. */
function qc8wForm(op: string, node: QConv | QGemm, groups: number, mg: number, k: number, zx: number, potKernels: PotKernels, int8Form: Int8Form) {
  const { mult, shift } = node.requant;
  const pot = node.pot !== undefined;
  const unpack = pot ? potKernels === 'codes' : int8Form === 'unpack';
  const wBytes = pot || int8Form === 'int16' ? 2 : 1; // decoded PoT weights reach +-128
  const p = packQc8w(node.weights, node.bias, mult, shift, groups, mg, k, zx, wBytes);
  if (!unpack) return { p, packed: p.bytes, fields: { wBytes, ...NO_CODES }, unpackBytes: 0 };
  const unpackBytes = qc8wUnpackedBytes(groups, mg, p.kPad);
  if (!pot) return { p, packed: p.bytes, fields: { wBytes: 2, codeBits: 8, unpacked: 0 }, unpackBytes };
  const bits = node.pot!.bits;
  if (bits !== 4 && bits !== 5) fail(op, `pot.bits must be 4 or 5, got ${bits}`);
  const packed = packPotCodes(op, p.bytes, p.blocks, p.kPad, bits);
  return { p, packed, fields: { wBytes: 2, codeBits: bits, unpacked: 0 }, unpackBytes };
}

function convStep(node: QConv, xq: QParams, yq: QParams, potKernels: PotKernels, int8Form: Int8Form): LayerStep {
  const op = `plan(${node.name})`;
  const g = node.geometry;
  validateWindow(op, g);
  checkQ(op, 'xq', xq);
  checkQ(op, 'yq', yq);
  const cg = g.c / g.group, mg = g.m / g.group, k = g.kh * g.kw * cg;
  checkWeightLayer(op, node, g.m, k);
  const { mult, shift } = node.requant;
  const geo = {
    c: g.c, h: g.h, w: g.w, m: g.m, kh: g.kh, kw: g.kw, strideH: g.strideH, strideW: g.strideW, padTop: g.padTop, padLeft: g.padLeft,
    dilationH: g.dilationH, dilationW: g.dilationW, group: g.group, oh: g.oh, ow: g.ow, zx: xq.zeroPoint, zy: yq.zeroPoint, qmin: node.qmin, qmax: node.qmax,
  };
  if (isDepthwise(g)) { // channels in the SIMD lanes (src/plan/pack-dwconv.ts)
    return { ...dwconvStep(op, node, xq.zeroPoint, yq.zeroPoint, potKernels === 'codes', int8Form === 'int16'), inputFields: ['input'], perImage: 1 };
  }
  if (node.pot && potKernels === 'shift-add') {
    const { exp, neg } = potWeightExponents(op, node.weights, node.pot.bits);
    const { rowOf, kPad, lPad, hp, wp } = potwConvLayout(g);
    const p = packPotw(exp, neg, node.bias, mult, shift, g.group, mg, k, xq.zeroPoint, rowOf);
    const params: KernelParams<'qs8-potw-conv2d'> = { ...CONV_PTRS, ...geo, kPad, lPad, hp, wp };
    return { kernel: 'qs8-potw-conv2d', params, inputFields: ['input'], packed: p.bytes, constantBytes: p.constantBytes, scratchBytes: potwScratchBytes(kPad, hp * wp * g.c), unpackBytes: 0, perImage: 1 };
  }
  if (node.pot) potWeightExponents(op, node.weights, node.pot.bits);
  const f = qc8wForm(op, node, g.group, mg, k, xq.zeroPoint, potKernels, int8Form);
  const tileP = tileRows(f.p.kPad, g.oh * g.ow);
  const params: KernelParams<'qs8-qc8w-conv2d'> = { ...CONV_PTRS, ...geo, kPad: f.p.kPad, tileP, ...f.fields };
  return { kernel: 'qs8-qc8w-conv2d', params, inputFields: ['input'], packed: f.packed, constantBytes: f.p.constantBytes, scratchBytes: qc8wScratchBytes(tileP, f.p.kPad), unpackBytes: f.unpackBytes, perImage: 1 };
}

function gemmStep(node: QGemm, xq: QParams, yq: QParams, potKernels: PotKernels, int8Form: Int8Form): LayerStep {
  const op = `plan(${node.name})`;
  checkInt(op, 'k', node.k, 1, 2 ** 24);
  checkInt(op, 'm', node.m, 1, 2 ** 24);
  checkQ(op, 'xq', xq);
  checkQ(op, 'yq', yq);
  checkWeightLayer(op, node, node.m, node.k);
  const { mult, shift } = node.requant;
  const base = { ...CONV_PTRS, k: node.k, m: node.m, zy: yq.zeroPoint, qmin: node.qmin, qmax: node.qmax };
  if (node.pot && potKernels === 'shift-add') {
    const { exp, neg } = potWeightExponents(op, node.weights, node.pot.bits);
    const kPad = Math.ceil(node.k / ABI_CONSTANTS.POTW_KR) * ABI_CONSTANTS.POTW_KR;
    const p = packPotw(exp, neg, node.bias, mult, shift, 1, node.m, node.k, xq.zeroPoint, null);
    const params: KernelParams<'qs8-potw-gemm'> = { ...base, kPad };
    return { kernel: 'qs8-potw-gemm', params, inputFields: ['input'], packed: p.bytes, constantBytes: p.constantBytes, scratchBytes: potwScratchBytes(kPad, 0), unpackBytes: 0, perImage: 1 };
  }
  if (node.pot) potWeightExponents(op, node.weights, node.pot.bits);
  const f = qc8wForm(op, node, 1, node.m, node.k, xq.zeroPoint, potKernels, int8Form);
  const tileP = tileRows(f.p.kPad, Number.MAX_SAFE_INTEGER);
  const params: KernelParams<'qs8-qc8w-gemm'> = { ...base, kPad: f.p.kPad, tileP, ...f.fields };
  return { kernel: 'qs8-qc8w-gemm', params, inputFields: ['input'], packed: f.packed, constantBytes: f.p.constantBytes, scratchBytes: qc8wScratchBytes(tileP, f.p.kPad), unpackBytes: f.unpackBytes, perImage: 1 };
}

function stridedCopyParams(op: string, node: QStridedCopy): KernelParams<'x8-strided-copy'> {
  const { inShape, outShape, start, step, lo, hi, fill } = node;
  const r = outShape.length;
  if (r < 1 || r > 4) fail(op, `rank ${r} is outside 1..4`);
  for (const [name, a] of [['inShape', inShape], ['start', start], ['step', step], ['lo', lo], ['hi', hi]] as const) {
    if (a.length !== r) fail(op, `${name} has ${a.length} entries, expected rank ${r}`);
  }
  checkInt(op, 'fill', fill, -128, 127);
  const inStride = new Array<number>(r);
  for (let a = r - 1, s = 1; a >= 0; a--) {
    checkInt(op, `inShape[${a}]`, inShape[a]!, 1, 2 ** 30);
    checkInt(op, `outShape[${a}]`, outShape[a]!, 1, 2 ** 30);
    inStride[a] = s;
    s *= inShape[a]!;
  }
  const inSize = inShape.reduce((p, d) => p * d, 1), outSize = outShape.reduce((p, d) => p * d, 1);
  let srcOrigin = 0;
  let empty = false;
  for (let a = 0; a < r; a++) {
    checkInt(op, `lo[${a}]`, lo[a]!, 0, outShape[a]!);
    checkInt(op, `hi[${a}]`, hi[a]!, lo[a]!, outShape[a]!);
    checkInt(op, `step[${a}]`, step[a]!, -(2 ** 30), 2 ** 30);
    if (hi[a] === lo[a]) {
      empty = true;
      continue;
    }
    const first = start[a]!, last = start[a]! + step[a]! * (hi[a]! - lo[a]! - 1);
    if (!Number.isInteger(first) || first < 0 || first >= inShape[a]! || last < 0 || last >= inShape[a]!) {
      fail(op, `axis ${a}: source indices ${first}..${last} leave the input (size ${inShape[a]})`);
    }
    srcOrigin += first * inStride[a]!;
  }
  const pad = 4 - r;
  const axis = (a: number, values: readonly number[], missing: number): number => (a < pad ? missing : values[a - pad]!);
  const srcStride = step.map((s, a) => s * inStride[a]!);
  const hiOf = (a: number): number => (empty ? axis(a, lo, 0) : axis(a, hi, 1));
  return {
    input: 0, output: 0, n: 1, inSize, outSize, fill, srcOrigin: empty ? 0 : srcOrigin,
    out0: axis(0, outShape, 1), out1: axis(1, outShape, 1), out2: axis(2, outShape, 1), out3: axis(3, outShape, 1),
    lo0: axis(0, lo, 0), lo1: axis(1, lo, 0), lo2: axis(2, lo, 0), lo3: axis(3, lo, 0),
    hi0: hiOf(0), hi1: hiOf(1), hi2: hiOf(2), hi3: hiOf(3),
    src0: axis(0, srcStride, 0), src1: axis(1, srcStride, 0), src2: axis(2, srcStride, 0), src3: axis(3, srcStride, 0),
  };
}

const simple = <K extends KernelName>(kernel: K, params: KernelParams<K>, inputFields: readonly string[] = ['input'], perImage = 1): LayerStep =>
  ({ kernel, params, inputFields, packed: null, constantBytes: 0, scratchBytes: 0, unpackBytes: 0, perImage }) as LayerStep;

/** The kernel call of `node` (null for a reshape, which only renames its input). `qp`: a value's quantization. */
/** `int8Form`: how int8 layers are resident and read (default 'unpack'; see Int8Form). */
/** `size`: elements per image of a value (checked by the issue-12 ops; default: from their own fields). */
export function layerStep(node: QNode, qp: (value: string) => QParams, potKernels: PotKernels = potKernelsOf(DEFAULT_WEIGHT_FORM), int8Form: Int8Form = DEFAULT_INT8_FORM, size?: (value: string) => number): LayerStep | null {
  const op = `plan(${node.name})`;
  const xq = () => qp(node.inputs[0]!), yq = () => qp(node.outputs[0]!);
  switch (node.op) {
    case 'conv': return convStep(node, xq(), yq(), potKernels, int8Form);
    case 'gemm': return gemmStep(node, xq(), yq(), potKernels, int8Form);
    case 'add': {
      checkInt(op, 'size', node.size, 1, 2 ** 30);
      checkClamp(op, node.qmin, node.qmax);
      const p = { a: 0, b: 0, output: 0, count: node.size, za: xq().zeroPoint, zb: qp(node.inputs[1]!).zeroPoint, zy: yq().zeroPoint, aMult: node.aMult, bMult: node.bMult, shift: node.shift, qmin: node.qmin, qmax: node.qmax };
      return simple('qs8-vadd', p, ['a', 'b'], node.size);
    }
    case 'gavgpool': {
      for (const key of ['h', 'w', 'c'] as const) checkInt(op, key, node[key], 1, 2 ** 30);
      return simple('qs8-gavgpool', { input: 0, output: 0, n: 1, pixels: node.h * node.w, c: node.c, zx: xq().zeroPoint, zy: yq().zeroPoint, mult: node.requant.mult, shift: node.requant.shift });
    }
    case 'maxpool': {
      const g = node.geometry;
      validateWindow(op, g);
      return simple('qs8-maxpool', {
        input: 0, output: 0, n: 1, c: g.c, h: g.h, w: g.w, kh: g.kh, kw: g.kw, strideH: g.strideH, strideW: g.strideW,
        padTop: g.padTop, padLeft: g.padLeft, dilationH: g.dilationH, dilationW: g.dilationW, oh: g.oh, ow: g.ow,
      });
    }
    case 'strided-copy': return simple('x8-strided-copy', stridedCopyParams(op, node));
    case 'to-nchw': {
      for (const key of ['h', 'w', 'c'] as const) checkInt(op, key, node[key], 1, 2 ** 30);
      return simple('x8-to-nchw', { input: 0, output: 0, n: 1, pixels: node.h * node.w, c: node.c });
    }
    case 'reshape': return null;
    default: return extraLayerStep(node, qp, size ?? impliedSize(node)) as LayerStep;
  }
}

/** Value sizes as an issue-12 node's own fields imply them (when the caller has no value table). */
function impliedSize(node: QNode): (value: string) => number {
  return (v) => {
    const i = node.inputs.indexOf(v);
    switch (node.op) {
      case 'concat': return i >= 0 ? node.outer * node.lens[i]! : node.outer * node.lens.reduce((s, l) => s + l, 0);
      case 'mul': return i === 1 ? node.bSize : node.size;
      case 'softmax': return node.rows * node.k;
      case 'lut': return node.size;
      default: return -1;
    }
  };
}
