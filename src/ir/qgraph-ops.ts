// The quantized nodes issue 12 added (members of QNode, src/ir/qgraph.ts). Semantics here are
// what the TS reference (src/runtime/reference/qs8-ops-extra.ts), the scalar and the SIMD
// kernels compute, byte for byte. Rounding is the one requantization rule of src/core/requant.ts
// (floor((acc * mult + 2^(shift-1)) / 2^shift): round half toward +infinity).

/** A pooling window over [h, w, c] (Conv2dGeometry without m and group; qgraph.ts imports this file). */
export interface PoolGeometry {
  c: number; h: number; w: number;
  kh: number; kw: number;
  strideH: number; strideW: number;
  padTop: number; padLeft: number; padBottom: number; padRight: number;
  dilationH: number; dilationW: number;
  oh: number; ow: number;
}

interface Base {
  name: string;
  inputs: string[];
  outputs: string[];
}

/**
 * AveragePool: acc = sum over the in-bounds window cells of (x - zx); d = the cells counted
 * (in-bounds cells, or with countIncludePad the cells inside the padded extent, never those
 * that ceil_mode adds past it); y = clamp(zy + requant(acc, mult[d-1], shift[d-1]), -128, 127),
 * (mult, shift)[d-1] the fixed-point form of s_x / (s_y * d). A window with d = 0 gives zy.
 */
export interface QAvgPool extends Base {
  op: 'avgpool';
  geometry: PoolGeometry;
  countIncludePad: boolean;
  /** of padBottom / padRight, the rows / columns ceil_mode added past the padded extent (never counted) */
  ceilExtra: [number, number];
  /** one per divisor 1 .. kh * kw */
  mult: Int32Array;
  shift: Int32Array;
}

/** y = table[x + 128]: any int8 -> int8 function (activations, Clip, requantization to another scale). */
export interface QLut extends Base {
  op: 'lut';
  /** elements per image */
  size: number;
  /** 256 entries, index x + 128 */
  table: Int8Array;
}

/**
 * Concat of 1..n inputs that share the output's scale and zero point (the quantizer puts a
 * requantizing lut in front of any input that does not): per image, `outer` rows; output row
 * r is input 0's row r (lens[0] bytes), then input 1's row r, ...
 */
export interface QConcat extends Base {
  op: 'concat';
  outer: number;
  lens: number[];
}

/**
 * y[i] = clamp(zy + requant((a[i] - za) * (b[j] - zb), mult, shift), qmin, qmax) over `size`
 * elements per image, j = i mod bSize (bSize = size: elementwise; bSize = c: b broadcast over
 * the pixels of a, as squeeze-excitation [h, w, c] x [1, 1, c]).
 */
export interface QMul extends Base {
  op: 'mul';
  size: number;
  bSize: number;
  mult: number;
  shift: number;
  qmin: number;
  qmax: number;
}

/**
 * Softmax over runs of k contiguous values (`rows` per image), in integers: m = the run's max,
 * e_i = exp[m - x_i] (exp[d] = round(2^16 * exp(-s_x * d)), so exp[0] = 2^16), S = sum e_i,
 * y_i = clamp(-128 + floor((256 * e_i + floor(S / 2)) / S), -128, 127): probabilities at the
 * fixed output scale 1/256, zero point -128.
 */
export interface QSoftmax extends Base {
  op: 'softmax';
  rows: number;
  k: number;
  exp: Int32Array;
}

export type QNodeExtra = QAvgPool | QLut | QConcat | QMul | QSoftmax;

/** The fixed quantization of a QSoftmax output. */
export const SOFTMAX_OUTPUT_Q = { scale: 1 / 256, zeroPoint: -128 } as const;
/** Largest softmax run: 2^16 * k must stay below 2^31. */
export const SOFTMAX_MAX_K = 32767;

/** The counted extent of an avgpool window, [loH, hiH, loW, hiW]: a cell (iy, ix) counts toward d iff loH <= iy < hiH and loW <= ix < hiW. */
export function avgpoolCountBounds(n: Pick<QAvgPool, 'geometry' | 'countIncludePad' | 'ceilExtra'>): [number, number, number, number] {
  const g = n.geometry;
  return n.countIncludePad ? [-g.padTop, g.h + g.padBottom - n.ceilExtra[0], -g.padLeft, g.w + g.padRight - n.ceilExtra[1]] : [0, g.h, 0, g.w];
}
