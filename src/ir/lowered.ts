// The lowered graph: the float Graph rewritten into the integer kernels' ops and layout, not
// yet quantized. The stage between Graph and QGraph:
//
//   Graph --lowerToNhwc--> LoweredGraph --fuseActivations--> LoweredGraph --quantizeInt8--> QGraph
//   (src/passes/lower-nhwc.ts)     (src/passes/fuse-activations.ts)      (src/quant/quantize-int8.ts)
//
// Values keep their float names and get per-image NHWC shapes ([h, w, c] or [k]); weights are
// float, already in the kernels' order (conv OHWI, gemm [m][k] with alpha applied); every node
// names the ONNX op it came from (`source`) so that later errors still name it.

import type { Conv2dGeometry } from './qgraph.js';

/** Float bounds of an output clamp (a fused Relu or Clip); -Infinity / Infinity when open. */
export interface Clamp {
  lo: number;
  hi: number;
}

interface LNodeBase {
  name: string;
  /** The ONNX op type the node was lowered from ('Conv', 'MatMul', 'Relu', ...). */
  source: string;
  inputs: string[];
  outputs: string[];
}

export interface LConv extends LNodeBase {
  op: 'conv';
  geometry: Conv2dGeometry;
  /** OHWI: [m][kh][kw][c/group] */
  weights: Float32Array;
  bias?: Float32Array;
  clamp?: Clamp;
}

export interface LGemm extends LNodeBase {
  op: 'gemm';
  k: number;
  m: number;
  /** [m][k], alpha applied */
  weights: Float32Array;
  /** beta applied, one per output */
  bias?: Float32Array;
  clamp?: Clamp;
}

export interface LAdd extends LNodeBase {
  op: 'add';
  size: number;
  clamp?: Clamp;
}

export interface LGlobalAvgPool extends LNodeBase {
  op: 'gavgpool';
  h: number; w: number; c: number;
}

export interface LMaxPool extends LNodeBase {
  op: 'maxpool';
  geometry: Omit<Conv2dGeometry, 'm' | 'group'>;
}

/** Slice / constant Pad as one strided copy (see QStridedCopy); `padValue` is the float fill. */
export interface LStridedCopy extends LNodeBase {
  op: 'strided-copy';
  inShape: number[];
  outShape: number[];
  start: number[];
  step: number[];
  lo: number[];
  hi: number[];
  padValue: number;
}

export interface LToNchw extends LNodeBase {
  op: 'to-nchw';
  h: number; w: number; c: number;
}

export interface LReshape extends LNodeBase {
  op: 'reshape';
}

/** A Relu or Clip that fusion has not (yet) folded into the Conv, Gemm or Add before it. */
export interface LClampOp extends LNodeBase {
  op: 'clamp';
  clamp: Clamp;
}

export type LNode = LConv | LGemm | LAdd | LGlobalAvgPool | LMaxPool | LStridedCopy | LToNchw | LReshape | LClampOp | LNodeExtra;

export interface LoweredGraph {
  name: string;
  /** The float input: its name and NCHW (or [k]) shape per image. */
  input: { name: string; shape: number[]; floatShape?: number[] };
  /** Graph outputs: float name and per-image float shape; `value` is the lowered value holding it. */
  outputs: { name: string; shape: number[]; value: string }[];
  /** Per-image shapes of every lowered value, the input's first. */
  shapes: Map<string, number[]>;
  nodes: LNode[];
}

// ─── issue 12: the lowered forms of the ops added then (quantized by src/quant/quantize-ops.ts) ───

export interface LAvgPool extends LNodeBase {
  op: 'avgpool';
  geometry: Omit<Conv2dGeometry, 'm' | 'group'>;
  countIncludePad: boolean;
  /** bottom rows / right columns of padding that ceil_mode added (never counted) */
  ceilExtra: [number, number];
}

/** An elementwise float function of one input (activations, an unfused Relu / Clip): a table once quantized. */
export interface LLut extends LNodeBase {
  op: 'lut';
  fn: (x: number) => number;
}

/** Concat along one per-image axis: `outer` rows per image, input i contributes lens[i] values per row. */
export interface LConcat extends LNodeBase {
  op: 'concat';
  outer: number;
  lens: number[];
}

/** a * b; b has `bSize` values per image (= size, or c when broadcast over the pixels of a). */
export interface LMul extends LNodeBase {
  op: 'mul';
  size: number;
  bSize: number;
}

export interface LSoftmax extends LNodeBase {
  op: 'softmax';
  rows: number;
  k: number;
}

export type LNodeExtra = LAvgPool | LLut | LConcat | LMul | LSoftmax;
