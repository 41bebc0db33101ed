// The quantized graph (level one and two): int8 activations (per-tensor scale + zero point,
// NHWC), int8 per-channel weights (or signed powers of two after level two), int32 biases and integer
// requantization constants. Shapes are per image (no batch axis): [h, w, c] or [k].
// Float values exist only at the edges: the graph input is quantized and the graph outputs
// dequantized by the executor.

import type { FixedPointMultiplier } from '../core/fixed-point.js';
import type { PotBits, PotRounding } from '../core/pot-codec.js';
import type { QNodeExtra } from './qgraph-ops.js';

export type { PotBits, PotRounding } from '../core/pot-codec.js';

/** real = scale * (q - zeroPoint), q in [-128, 127]. */
export interface QParams {
  scale: number;
  zeroPoint: number;
}

export interface QValue {
  name: string;
  /** per image: [h, w, c] (NHWC without N) or [k] */
  shape: number[];
  q: QParams;
}

/** Per-output-channel requantization constants. */
export interface ChannelRequant {
  mult: Int32Array;
  shift: Int32Array;
}

export interface Conv2dGeometry {
  c: number; h: number; w: number; m: number;
  kh: number; kw: number;
  strideH: number; strideW: number;
  padTop: number; padLeft: number; padBottom: number; padRight: number;
  dilationH: number; dilationW: number;
  group: number;
  oh: number; ow: number;
}

/**
 * Level two: the layer's `weights` are signed powers of two (0 or +-2^e, up to +-128, so an
 * Int16Array), produced by `rule` and stored as `bits`-wide codes (src/core/pot-codec.ts). The
 * weights are the one representation in the IR: codes exist only in files and packed kernels.
 */
export interface PotWeights {
  /** a per-weight rounding rule, or 'gptq': output-aware rounding (src/quant/pot-gptq.ts), 4 or 5 bits */
  rule: PotRounding | 'gptq';
  bits: PotBits;
}

interface QNodeBase {
  name: string;
  inputs: string[];
  outputs: string[];
}

/** Integer weights: int8 values, or the power-of-two values of a PoT layer (which reach +-128). */
export type QWeights = Int8Array | Int16Array;

/** y = clamp(zy + requant(bias[m] + sum (x - zx) * w), qmin, qmax); weights OHWI [m][kh][kw][c/group]. */
export interface QConv extends QNodeBase {
  op: 'conv';
  geometry: Conv2dGeometry;
  weights: QWeights;
  pot?: PotWeights;
  weightScale: Float32Array;
  bias: Int32Array;
  requant: ChannelRequant;
  qmin: number;
  qmax: number;
}

/** Fully connected: y[m] = clamp(zy + requant(bias[m] + sum_k (x[k] - zx) * w[m][k])). */
export interface QGemm extends QNodeBase {
  op: 'gemm';
  k: number;
  m: number;
  weights: QWeights;
  pot?: PotWeights;
  weightScale: Float32Array;
  bias: Int32Array;
  requant: ChannelRequant;
  qmin: number;
  qmax: number;
}

/** y = clamp(zy + roundingShift((a - za) * aMult + (b - zb) * bMult, shift)); |mult| < 2^22. */
export interface QAdd extends QNodeBase {
  op: 'add';
  size: number;
  aMult: number;
  bMult: number;
  shift: number;
  qmin: number;
  qmax: number;
}

/** y[c] = clamp(zy + requant(sum_hw (x - zx), mult, shift)). */
export interface QGlobalAvgPool extends QNodeBase {
  op: 'gavgpool';
  h: number; w: number; c: number;
  requant: FixedPointMultiplier;
}

/** Max over the in-bounds window cells; input and output share scale and zero point. */
export interface QMaxPool extends QNodeBase {
  op: 'maxpool';
  geometry: Omit<Conv2dGeometry, 'm' | 'group'>;
}

/**
 * Slice and constant Pad in one op: for each axis a of the per-image shape,
 * out[o] = in[start[a] + step[a] * (o - lo[a])] for lo[a] <= o < hi[a], else `fill`.
 */
export interface QStridedCopy extends QNodeBase {
  op: 'strided-copy';
  inShape: number[];
  outShape: number[];
  start: number[];
  step: number[];
  lo: number[];
  hi: number[];
  fill: number;
}

/** NHWC -> NCHW order (before a Flatten of a map with h*w > 1). */
export interface QToNchw extends QNodeBase {
  op: 'to-nchw';
  h: number; w: number; c: number;
}

/** A new shape over the same bytes (Flatten, Reshape, Identity). */
export interface QReshape extends QNodeBase {
  op: 'reshape';
}

export type QNode = QConv | QGemm | QAdd | QGlobalAvgPool | QMaxPool | QStridedCopy | QToNchw | QReshape | QNodeExtra;
export type * from './qgraph-ops.js';

export interface QGraph {
  name: string;
  /**
   * The float input: NCHW shape per image, and how it is quantized. An NHWC input (a Transpose to
   * NCHW follows it, src/passes/lower-ops.ts) is `shape` [h*w*c], quantized in its own order, and
   * `floatShape` [h, w, c] is the per-image shape its data has.
   */
  input: { name: string; shape: number[]; q: QParams; quantized: string; floatShape?: number[] };
  /** Graph outputs: the int8 value and its float name/shape (per image). */
  outputs: { name: string; shape: number[]; quantized: string }[];
  values: Map<string, QValue>;
  nodes: QNode[];
}
