// KERNELS entries of the kernels issue 12 added (spread into src/engine/kernel-specs.ts).

import { MULT_MAX, MULT_MIN, SHIFT_MAX, SHIFT_MIN } from '../core/fixed-point.js';
import type { ParamsOf } from './abi.js';

const I8: [number, number] = [-128, 127];
const i8 = (...fields: string[]): [string, number, number][] => fields.map((f) => [f, ...I8]);
const FP: [string, number, number][] = [['mult', MULT_MIN, MULT_MAX], ['shift', SHIFT_MIN, SHIFT_MAX]];

/** Bytes of the (mult, shift) divisor table of an avgpool window. */
export const avgpoolTableBytes = (kh: number, kw: number) => 8 * kh * kw;
export const LUT_BYTES = 256;
export const SOFTMAX_TABLE_BYTES = 4 * 256;
/** Inputs per x8-concat call (the quantizer chains longer concats: src/quant/quantize-ops.ts). */
export const CONCAT_MAX_INPUTS = 4;

export const OPS_KERNELS = {
  'qs8-avgpool': {
    struct: 'Qs8AvgpoolParams', fn: 'qs8_avgpool', batchField: 'n', ranges: i8('zx', 'zy'),
    buffers: (p: ParamsOf<'Qs8AvgpoolParams'>) => ({
      reads: [['input', p.n * p.h * p.w * p.c], ['packed', avgpoolTableBytes(p.kh, p.kw)]] as [string, number][],
      writes: [['output', p.n * p.oh * p.ow * p.c]] as [string, number][], scratch: 0,
    }),
  },
  'x8-lut': {
    struct: 'X8LutParams', fn: 'x8_lut', batchField: 'count', ranges: [] as [string, number, number][],
    buffers: (p: ParamsOf<'X8LutParams'>) => ({
      reads: [['input', p.count], ['packed', LUT_BYTES]] as [string, number][], writes: [['output', p.count]] as [string, number][], scratch: 0, inPlace: true,
    }),
  },
  'x8-concat': {
    struct: 'X8ConcatParams', fn: 'x8_concat', batchField: 'n', ranges: [['inputs', 1, CONCAT_MAX_INPUTS]] as [string, number, number][],
    buffers: (p: ParamsOf<'X8ConcatParams'>) => {
      const lens = [p.len0, p.len1, p.len2, p.len3].slice(0, p.inputs);
      return {
        reads: lens.map((l, i) => [`in${i}`, p.n * p.outer * l]) as [string, number][],
        writes: [['output', p.n * p.outer * lens.reduce((s, l) => s + l, 0)]] as [string, number][], scratch: 0,
      };
    },
  },
  'qs8-vmul': {
    struct: 'Qs8VmulParams', fn: 'qs8_vmul', batchField: 'n', ranges: [...i8('za', 'zb', 'zy', 'qmin', 'qmax'), ...FP] as [string, number, number][],
    buffers: (p: ParamsOf<'Qs8VmulParams'>) => ({
      reads: [['a', p.n * p.size], ['b', p.n * p.bSize]] as [string, number][], writes: [['output', p.n * p.size]] as [string, number][], scratch: 0, inPlace: true,
    }),
  },
  'qs8-softmax': {
    struct: 'Qs8SoftmaxParams', fn: 'qs8_softmax', batchField: 'n', ranges: [['k', 1, 32767]] as [string, number, number][],
    buffers: (p: ParamsOf<'Qs8SoftmaxParams'>) => ({
      reads: [['input', p.n * p.rows * p.k], ['packed', SOFTMAX_TABLE_BYTES]] as [string, number][], writes: [['output', p.n * p.rows * p.k]] as [string, number][], scratch: 0, inPlace: true,
    }),
  },
} as const;
