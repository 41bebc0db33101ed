// One entry per wasm kernel: its params struct, its export, the bytes each pointer field
// covers (for the Engine's range and overlap checks) and the scratch it needs. The scratch
// and packed-size formulas here are the only ones: packers and the planner use them too.

import { MULT_MAX, MULT_MIN, SHIFT_MAX, SHIFT_MIN } from '../core/fixed-point.js';
import { LIMITS } from '../core/limits.js';
import { ABI_CONSTANTS as C, type AbiStructName, type ParamsOf } from './abi.js';
import { dwPackedBytes, dwScratchBytes, dwUnpackedBytes } from './dwconv-layout.js';
import { OPS_KERNELS } from './kernel-specs-ops.js';

/** Bytes of one qc8w block: the header and kPad * NR weights of `wBytes` each (assembly/abi/qs8.ts). */
export function qc8wBlockBytes(kPad: number, wBytes: number): number {
  return C.QS8_BLOCK_HEADER_BYTES + kPad * C.QS8_GEMM_NR * wBytes;
}
/** Bytes of one block of power-of-two codes (4 or 5 bits per weight). */
export function potCodeBlockBytes(kPad: number, bits: number): number {
  return C.QS8_BLOCK_HEADER_BYTES + (kPad * C.QS8_GEMM_NR * bits) / 8;
}
/** Bytes a qc8w kernel's packed blocks take: per group ceil(mg / NR) blocks; codeBits 0 = weights of wBytes each. */
export function qc8wPackedBytes(groups: number, mg: number, kPad: number, wBytes: number, codeBits = 0): number {
  const blocks = groups * Math.ceil(mg / C.QS8_GEMM_NR);
  return blocks * (codeBits === 0 ? qc8wBlockBytes(kPad, wBytes) : potCodeBlockBytes(kPad, codeBits));
}
/** Bytes the unpacked int16 blocks of a code-packed layer take (the `unpacked` region). */
export function qc8wUnpackedBytes(groups: number, mg: number, kPad: number): number {
  return groups * Math.ceil(mg / C.QS8_GEMM_NR) * qc8wBlockBytes(kPad, 2);
}
/** Row buffer of the qc8w conv / gemm kernels: tileP rows of kPad int16, plus the gather slack. */
export function qc8wScratchBytes(tileP: number, kPad: number): number {
  return tileP * kPad * 2 + C.ROW_BUFFER_SLACK;
}
/** Panel (kPad rows of POTW_PANEL_ROW_BYTES) plus the zx-padded input copy (conv: hp * wp * c). */
export function potwScratchBytes(kPad: number, copyBytes: number): number {
  return kPad * C.POTW_PANEL_ROW_BYTES + copyBytes + C.ROW_BUFFER_SLACK;
}

/** The zero-padded input plane of f32-dwconv2d (assembly/abi/f32.ts, F32Dwconv2dParams): rows, columns. */
export function f32DwPlane(p: { oh: number; ow: number; kh: number; kw: number; strideH: number; strideW: number; dilationH: number; dilationW: number }): [number, number] {
  return [(p.oh - 1) * p.strideH + (p.kh - 1) * p.dilationH + 1, (Math.ceil(p.ow / 4) * 4 - 1) * p.strideW + (p.kw - 1) * p.dilationW + 2];
}

export interface Buffers {
  /** [pointer field, bytes read] */
  reads: [string, number][];
  writes: [string, number][];
  scratch: number;
  /** outputs may equal an input exactly (elementwise kernels) */
  inPlace?: boolean;
}

export interface KernelSpec<S extends AbiStructName> {
  struct: S;
  /** the wasm export */
  fn: string;
  /** the field holding the batch (or, for elementwise kernels, the element count) */
  batchField: string;
  buffers(p: ParamsOf<S>): Buffers;
  /** range checks of value fields that the kernel relies on */
  ranges: [string, number, number][];
}

const I8: [number, number] = [-128, 127];
/** The unpacked-weights region a code-packed layer writes (none for plain weights). */
const unpacked = (codeBits: number, bytes: number): [string, number][] => (codeBits === 0 ? [] : [['unpacked', bytes]]);
const WEIGHT_FORM: [string, number, number][] = [['wBytes', 1, 2], ['codeBits', 0, 8]];
const clampRanges = (...fields: string[]): [string, number, number][] => fields.map((f) => [f, ...I8]);

export const KERNELS = {
  'f32-conv2d': {
    struct: 'F32Conv2dParams', fn: 'f32_conv2d', batchField: 'n', ranges: [],
    buffers: (p: ParamsOf<'F32Conv2dParams'>) => {
      const kdim = (p.c / p.group) * p.kh * p.kw;
      const reads: [string, number][] = [['input', 4 * p.n * p.c * p.h * p.w], ['weight', 4 * p.m * kdim]];
      if (p.bias !== 0) reads.push(['bias', 4 * p.m]);
      return { reads, writes: [['output', 4 * p.n * p.m * p.oh * p.ow]], scratch: 4 * kdim * p.tileP };
    },
  },
  'f32-dwconv2d': {
    struct: 'F32Dwconv2dParams', fn: 'f32_dwconv2d', batchField: 'n', ranges: [],
    buffers: (p: ParamsOf<'F32Dwconv2dParams'>) => {
      const reads: [string, number][] = [['input', 4 * p.n * p.c * p.h * p.w], ['weight', 4 * p.c * p.kh * p.kw]];
      if (p.bias !== 0) reads.push(['bias', 4 * p.c]);
      const [hp, wp] = f32DwPlane(p);
      return { reads, writes: [['output', 4 * p.n * p.c * p.oh * p.ow]], scratch: 4 * hp * wp };
    },
  },
  'f32-rminmax': {
    struct: 'F32RminmaxParams', fn: 'f32_rminmax', batchField: 'count', ranges: [],
    buffers: (p: ParamsOf<'F32RminmaxParams'>) => ({ reads: [['input', 4 * p.count]], writes: [['output', 12]], scratch: 0 }),
  },
  'f32-vclamp': {
    struct: 'F32VclampParams', fn: 'f32_vclamp', batchField: 'count', ranges: [],
    buffers: (p: ParamsOf<'F32VclampParams'>) => ({ reads: [['input', 4 * p.count], ['bounds', 8]], writes: [['output', 4 * p.count]], scratch: 0, inPlace: true }),
  },
  'f32-vrelu': {
    struct: 'F32VreluParams', fn: 'f32_vrelu', batchField: 'count', ranges: [],
    buffers: (p: ParamsOf<'F32VreluParams'>) => ({ reads: [['input', 4 * p.count]], writes: [['output', 4 * p.count]], scratch: 0, inPlace: true }),
  },
  'f32-qs8-to-nhwc': {
    struct: 'F32Qs8ToNhwcParams', fn: 'f32_qs8_to_nhwc', batchField: 'n', ranges: [['zp', ...I8]],
    buffers: (p: ParamsOf<'F32Qs8ToNhwcParams'>) => ({ reads: [['input', 4 * p.n * p.c * p.hw], ['scale', 8]], writes: [['output', p.n * p.hw * p.c], ['status', 8]], scratch: 0 }),
  },
  'qs8-qc8w-conv2d': {
    struct: 'Qs8Qc8wConv2dParams', fn: 'qs8_qc8w_conv2d_minmax', batchField: 'n', ranges: [...clampRanges('zx', 'zy', 'qmin', 'qmax'), ...WEIGHT_FORM],
    buffers: (p: ParamsOf<'Qs8Qc8wConv2dParams'>) => ({
      reads: [['input', p.n * p.h * p.w * p.c], ['packed', qc8wPackedBytes(p.group, p.m / p.group, p.kPad, p.wBytes, p.codeBits)]],
      writes: [['output', p.n * p.oh * p.ow * p.m], ...unpacked(p.codeBits, qc8wUnpackedBytes(p.group, p.m / p.group, p.kPad))],
      scratch: qc8wScratchBytes(p.tileP, p.kPad),
    }),
  },
  'qs8-qc8w-gemm': {
    struct: 'Qs8Qc8wGemmParams', fn: 'qs8_qc8w_gemm_minmax', batchField: 'n', ranges: [...clampRanges('zy', 'qmin', 'qmax'), ...WEIGHT_FORM],
    buffers: (p: ParamsOf<'Qs8Qc8wGemmParams'>) => ({
      reads: [['input', p.n * p.k], ['packed', qc8wPackedBytes(1, p.m, p.kPad, p.wBytes, p.codeBits)]],
      writes: [['output', p.n * p.m], ...unpacked(p.codeBits, qc8wUnpackedBytes(1, p.m, p.kPad))], scratch: qc8wScratchBytes(p.tileP, p.kPad),
    }),
  },
  'qs8-potw-conv2d': {
    struct: 'Qs8PotwConv2dParams', fn: 'qs8_potw_conv2d_minmax', batchField: 'n', ranges: clampRanges('zx', 'zy', 'qmin', 'qmax'),
    buffers: (p: ParamsOf<'Qs8PotwConv2dParams'>) => ({
      reads: [['input', p.n * p.h * p.w * p.c], ['packed', 4 * p.group]],
      writes: [['output', p.n * p.oh * p.ow * p.m]], scratch: potwScratchBytes(p.kPad, p.hp * p.wp * p.c),
    }),
  },
  'qs8-potw-gemm': {
    struct: 'Qs8PotwGemmParams', fn: 'qs8_potw_gemm_minmax', batchField: 'n', ranges: clampRanges('zy', 'qmin', 'qmax'),
    buffers: (p: ParamsOf<'Qs8PotwGemmParams'>) => ({
      reads: [['input', p.n * p.k], ['packed', 4]], writes: [['output', p.n * p.m]], scratch: potwScratchBytes(p.kPad, 0),
    }),
  },
  'qs8-vadd': {
    struct: 'Qs8VaddParams', fn: 'qs8_vadd_minmax', batchField: 'count',
    ranges: [...clampRanges('za', 'zb', 'zy', 'qmin', 'qmax'), ['aMult', LIMITS.addMult.lo, LIMITS.addMult.hi], ['bMult', LIMITS.addMult.lo, LIMITS.addMult.hi], ['shift', LIMITS.addShift.lo, LIMITS.addShift.hi]],
    buffers: (p: ParamsOf<'Qs8VaddParams'>) => ({ reads: [['a', p.count], ['b', p.count]], writes: [['output', p.count]], scratch: 0, inPlace: true }),
  },
  'qs8-gavgpool': {
    struct: 'Qs8GavgpoolParams', fn: 'qs8_gavgpool', batchField: 'n',
    ranges: [...clampRanges('zx', 'zy'), ['pixels', LIMITS.poolPixels.lo, LIMITS.poolPixels.hi], ['mult', MULT_MIN, MULT_MAX], ['shift', SHIFT_MIN, SHIFT_MAX]],
    buffers: (p: ParamsOf<'Qs8GavgpoolParams'>) => ({ reads: [['input', p.n * p.pixels * p.c]], writes: [['output', p.n * p.c]], scratch: 0 }),
  },
  'qs8-maxpool': {
    struct: 'Qs8MaxpoolParams', fn: 'qs8_maxpool', batchField: 'n', ranges: [],
    buffers: (p: ParamsOf<'Qs8MaxpoolParams'>) => ({ reads: [['input', p.n * p.h * p.w * p.c]], writes: [['output', p.n * p.oh * p.ow * p.c]], scratch: 0 }),
  },
  'x8-strided-copy': {
    struct: 'X8StridedCopyParams', fn: 'x8_strided_copy', batchField: 'n', ranges: clampRanges('fill'),
    buffers: (p: ParamsOf<'X8StridedCopyParams'>) => ({ reads: [['input', p.n * p.inSize]], writes: [['output', p.n * p.outSize]], scratch: 0 }),
  },
  'x8-to-nchw': {
    struct: 'X8ToNchwParams', fn: 'x8_to_nchw', batchField: 'n', ranges: [],
    buffers: (p: ParamsOf<'X8ToNchwParams'>) => ({ reads: [['input', p.n * p.pixels * p.c]], writes: [['output', p.n * p.pixels * p.c]], scratch: 0 }),
  },
  'qs8-qc8w-dwconv': {
    struct: 'Qs8Qc8wDwconvParams', fn: 'qs8_qc8w_dwconv_minmax', batchField: 'n', ranges: [...clampRanges('zx', 'zy', 'qmin', 'qmax'), ...WEIGHT_FORM],
    buffers: (p: ParamsOf<'Qs8Qc8wDwconvParams'>) => ({
      reads: [['input', p.n * p.h * p.w * p.c], ['packed', dwPackedBytes(p.c, p.kh * p.kw, p.wBytes, p.codeBits)]],
      writes: [['output', p.n * p.oh * p.ow * p.c], ...unpacked(p.codeBits, dwUnpackedBytes(p.c, p.kh * p.kw))],
      scratch: dwScratchBytes(p.c, p.kh * p.kw),
    }),
  },
  ...OPS_KERNELS, // issue 12: avgpool, lut, concat, mul, softmax
} as const satisfies Record<string, KernelSpec<AbiStructName>>;

export type KernelName = keyof typeof KERNELS;
export type StructOf<K extends KernelName> = (typeof KERNELS)[K]['struct'];
/** The full params struct of kernel K, pointers included. */
export type KernelParams<K extends KernelName> = ParamsOf<StructOf<K>>;
