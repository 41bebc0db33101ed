// Typed host bindings of the wasm kernels: one Engine per wasm instance, one method per
// exported kernel, one init function per params struct (layouts: assembly/abi.ts).
import type {
  Conv2dGeometry, QAdd, QConv, QGemm, QGlobalAvgPool, QMaxPool, QParams, QStridedCopy, QToNchw,
} from "../ir/qgraph.js";
import { checkFixedPoint } from "../core/fixed-point.js";
import { potExponents } from "../core/pot-codec.js";
import { ALIGN, EXTRA_BYTES, Heap, alignUp, type WasmMemory } from "./heap.js";

/** ONNX Conv geometry, float32 NCHW. see: https://onnx.ai/onnx/operators/onnx__Conv.html */
export interface Conv2dF32Shape {
  n: number; c: number; h: number; w: number; // input NCHW
  m: number; // output channels
  kh: number; kw: number;
  strideH: number; strideW: number;
  padTop: number; padLeft: number; padBottom: number; padRight: number;
  dilationH: number; dilationW: number;
  group: number; // c % group == 0, m % group == 0; depthwise: group == c
  oh: number; ow: number; // output spatial size (caller computes, conv2dF32 validates)
}

/** Byte offsets of the buffers a conv kernel call reads and writes (0 = absent bias). */
export interface Conv2dF32Pointers {
  input: number;
  weight: number;
  bias: number;
  output: number;
  scratch: number;
}

/** F32Conv2dParams field order (assembly/abi.ts); every field is 4 bytes: offset = 4 * index. */
export const F32_CONV2D_PARAMS_FIELDS = [
  "input", "weight", "bias", "output", "scratch",
  "n", "c", "h", "w", "m", "kh", "kw", "strideH", "strideW", "padTop", "padLeft",
  "dilationH", "dilationW", "group", "oh", "ow", "tileP",
] as const;
export const F32_CONV2D_PARAMS_SIZE = F32_CONV2D_PARAMS_FIELDS.length * 4;

/** Width of the packed im2col panels (F32_PANEL_COLS in assembly/abi.ts). */
const PANEL_COLS = 8;
/** Packed im2col tile budget: small enough to stay in L2 next to the weights. */
const TILE_BYTES = 64 * 1024;

/** The exports every doubleq wasm build provides (assembly/index.ts). */
export interface KernelExports {
  memory: WasmMemory;
  F32_CONV2D_PARAMS_SIZE: { readonly value: number };
  QS8_QC8W_CONV2D_PARAMS_SIZE: { readonly value: number };
  QS8_QC8W_GEMM_PARAMS_SIZE: { readonly value: number };
  QS8_POTW_CONV2D_PARAMS_SIZE: { readonly value: number };
  QS8_POTW_GEMM_PARAMS_SIZE: { readonly value: number };
  QS8_VADD_PARAMS_SIZE: { readonly value: number };
  QS8_GAVGPOOL_PARAMS_SIZE: { readonly value: number };
  QS8_MAXPOOL_PARAMS_SIZE: { readonly value: number };
  X8_STRIDED_COPY_PARAMS_SIZE: { readonly value: number };
  X8_TO_NCHW_PARAMS_SIZE: { readonly value: number };
  HEAP_BASE: { readonly value: number };
  f32_conv2d(params: number): void;
  qs8_qc8w_conv2d_minmax(params: number): void;
  qs8_qc8w_gemm_minmax(params: number): void;
  qs8_potw_conv2d_minmax(params: number): void;
  qs8_potw_gemm_minmax(params: number): void;
  qs8_vadd_minmax(params: number): void;
  qs8_gavgpool(params: number): void;
  qs8_maxpool(params: number): void;
  x8_strided_copy(params: number): void;
  x8_to_nchw(params: number): void;
}

/** The only writer of F32Conv2dParams. `view` is a fresh Int32Array of wasm memory. */
export function initF32Conv2dParams(
  view: Int32Array,
  byteOffset: number,
  ptr: Conv2dF32Pointers,
  s: Conv2dF32Shape,
  tileP: number,
): void {
  const values: Record<(typeof F32_CONV2D_PARAMS_FIELDS)[number], number> = {
    input: ptr.input, weight: ptr.weight, bias: ptr.bias, output: ptr.output, scratch: ptr.scratch,
    n: s.n, c: s.c, h: s.h, w: s.w, m: s.m, kh: s.kh, kw: s.kw,
    strideH: s.strideH, strideW: s.strideW, padTop: s.padTop, padLeft: s.padLeft,
    dilationH: s.dilationH, dilationW: s.dilationW, group: s.group, oh: s.oh, ow: s.ow, tileP,
  };
  const base = byteOffset >> 2;
  F32_CONV2D_PARAMS_FIELDS.forEach((field, i) => {
    view[base + i] = values[field];
  });
}

/** Output size of one spatial axis (ONNX Conv, explicit pads). */
export function convOutputSize(size: number, k: number, stride: number, padBegin: number, padEnd: number, dilation: number): number {
  return Math.floor((size + padBegin + padEnd - dilation * (k - 1) - 1) / stride) + 1;
}

/** Throws a descriptive Error unless `s` is a well-formed ONNX Conv geometry. */
export function validateConv2dF32Shape(s: Conv2dF32Shape): void {
  const positive = ["n", "c", "h", "w", "m", "kh", "kw", "strideH", "strideW", "dilationH", "dilationW", "group", "oh", "ow"] as const;
  for (const key of positive) {
    if (!Number.isInteger(s[key]) || s[key] < 1) throw new Error(`conv2dF32: ${key} must be a positive integer, got ${s[key]}`);
  }
  for (const key of ["padTop", "padLeft", "padBottom", "padRight"] as const) {
    if (!Number.isInteger(s[key]) || s[key] < 0) throw new Error(`conv2dF32: ${key} must be a non-negative integer, got ${s[key]}`);
  }
  if (s.c % s.group !== 0 || s.m % s.group !== 0) {
    throw new Error(`conv2dF32: group ${s.group} must divide c ${s.c} and m ${s.m}`);
  }
  const oh = convOutputSize(s.h, s.kh, s.strideH, s.padTop, s.padBottom, s.dilationH);
  const ow = convOutputSize(s.w, s.kw, s.strideW, s.padLeft, s.padRight, s.dilationW);
  if (s.oh !== oh || s.ow !== ow) {
    throw new Error(`conv2dF32: output size ${s.oh}x${s.ow} does not match the geometry, expected ${oh}x${ow}`);
  }
}

function checkLength(name: string, array: Float32Array, expected: number): void {
  if (array.length !== expected) throw new Error(`conv2dF32: ${name} has ${array.length} elements, expected ${expected}`);
}

// ─── int8 kernels ─────────────────────────────────────────────────────────────────────────
// Params layouts: assembly/abi.ts. Every field is 4 bytes, so offset = 4 * index in the lists
// below; each list has exactly one writer (init*Params), and the Engine checks each list's
// size against the size the wasm build exports.

export const QS8_QC8W_CONV2D_PARAMS_FIELDS = [
  "input", "packed", "output", "scratch",
  "n", "c", "h", "w", "m", "kh", "kw", "strideH", "strideW", "padTop", "padLeft",
  "dilationH", "dilationW", "group", "oh", "ow", "kPad", "tileP", "zx", "zy", "qmin", "qmax",
] as const;
export const QS8_QC8W_GEMM_PARAMS_FIELDS = [
  "input", "packed", "output", "scratch", "n", "k", "m", "kPad", "tileP", "zy", "qmin", "qmax",
] as const;
export const QS8_VADD_PARAMS_FIELDS = [
  "a", "b", "output", "count", "za", "zb", "zy", "aMult", "bMult", "shift", "qmin", "qmax",
] as const;
export const QS8_GAVGPOOL_PARAMS_FIELDS = ["input", "output", "n", "pixels", "c", "zx", "zy", "mult", "shift"] as const;
export const QS8_MAXPOOL_PARAMS_FIELDS = [
  "input", "output", "n", "c", "h", "w", "kh", "kw", "strideH", "strideW", "padTop", "padLeft",
  "dilationH", "dilationW", "oh", "ow",
] as const;
export const X8_STRIDED_COPY_PARAMS_FIELDS = [
  "input", "output", "n", "inSize", "outSize", "fill", "srcOrigin",
  "out0", "out1", "out2", "out3", "lo0", "lo1", "lo2", "lo3", "hi0", "hi1", "hi2", "hi3",
  "src0", "src1", "src2", "src3",
] as const;
export const X8_TO_NCHW_PARAMS_FIELDS = ["input", "output", "n", "pixels", "c"] as const;

export const QS8_POTW_CONV2D_PARAMS_FIELDS = [
  "input", "packed", "output", "scratch",
  "n", "c", "h", "w", "m", "kh", "kw", "strideH", "strideW", "padTop", "padLeft",
  "dilationH", "dilationW", "group", "oh", "ow", "kPad", "lPad", "hp", "wp", "zx", "zy", "qmin", "qmax",
] as const;
export const QS8_POTW_GEMM_PARAMS_FIELDS = [
  "input", "packed", "output", "scratch", "n", "k", "m", "kPad", "zy", "qmin", "qmax",
] as const;
export type Qs8PotwConv2dParamsValues = Record<(typeof QS8_POTW_CONV2D_PARAMS_FIELDS)[number], number>;
export type Qs8PotwGemmParamsValues = Record<(typeof QS8_POTW_GEMM_PARAMS_FIELDS)[number], number>;

export type Qs8Qc8wConv2dParamsValues = Record<(typeof QS8_QC8W_CONV2D_PARAMS_FIELDS)[number], number>;
export type Qs8Qc8wGemmParamsValues = Record<(typeof QS8_QC8W_GEMM_PARAMS_FIELDS)[number], number>;
export type Qs8VaddParamsValues = Record<(typeof QS8_VADD_PARAMS_FIELDS)[number], number>;
export type Qs8GavgpoolParamsValues = Record<(typeof QS8_GAVGPOOL_PARAMS_FIELDS)[number], number>;
export type Qs8MaxpoolParamsValues = Record<(typeof QS8_MAXPOOL_PARAMS_FIELDS)[number], number>;
export type X8StridedCopyParamsValues = Record<(typeof X8_STRIDED_COPY_PARAMS_FIELDS)[number], number>;
export type X8ToNchwParamsValues = Record<(typeof X8_TO_NCHW_PARAMS_FIELDS)[number], number>;

/** Params struct sizes (bytes) the host expects; the wasm builds export theirs (assembly/index.ts). */
export const PARAMS_SIZES = {
  F32_CONV2D_PARAMS_SIZE,
  QS8_QC8W_CONV2D_PARAMS_SIZE: QS8_QC8W_CONV2D_PARAMS_FIELDS.length * 4,
  QS8_QC8W_GEMM_PARAMS_SIZE: QS8_QC8W_GEMM_PARAMS_FIELDS.length * 4,
  QS8_POTW_CONV2D_PARAMS_SIZE: QS8_POTW_CONV2D_PARAMS_FIELDS.length * 4,
  QS8_POTW_GEMM_PARAMS_SIZE: QS8_POTW_GEMM_PARAMS_FIELDS.length * 4,
  QS8_VADD_PARAMS_SIZE: QS8_VADD_PARAMS_FIELDS.length * 4,
  QS8_GAVGPOOL_PARAMS_SIZE: QS8_GAVGPOOL_PARAMS_FIELDS.length * 4,
  QS8_MAXPOOL_PARAMS_SIZE: QS8_MAXPOOL_PARAMS_FIELDS.length * 4,
  X8_STRIDED_COPY_PARAMS_SIZE: X8_STRIDED_COPY_PARAMS_FIELDS.length * 4,
  X8_TO_NCHW_PARAMS_SIZE: X8_TO_NCHW_PARAMS_FIELDS.length * 4,
} as const;
const MAX_PARAMS_SIZE = Math.max(...Object.values(PARAMS_SIZES));

function writeFields<F extends readonly string[]>(view: Int32Array, byteOffset: number, fields: F, values: Record<F[number], number>): void {
  const base = byteOffset >> 2;
  for (let i = 0; i < fields.length; i++) view[base + i] = values[fields[i] as F[number]];
}

/** The only writer of Qs8Qc8wConv2dParams. */
export function initQs8Qc8wConv2dParams(view: Int32Array, byteOffset: number, v: Qs8Qc8wConv2dParamsValues): void {
  writeFields(view, byteOffset, QS8_QC8W_CONV2D_PARAMS_FIELDS, v);
}
/** The only writer of Qs8Qc8wGemmParams. */
export function initQs8Qc8wGemmParams(view: Int32Array, byteOffset: number, v: Qs8Qc8wGemmParamsValues): void {
  writeFields(view, byteOffset, QS8_QC8W_GEMM_PARAMS_FIELDS, v);
}
/** The only writer of Qs8PotwConv2dParams. */
export function initQs8PotwConv2dParams(view: Int32Array, byteOffset: number, v: Qs8PotwConv2dParamsValues): void {
  writeFields(view, byteOffset, QS8_POTW_CONV2D_PARAMS_FIELDS, v);
}
/** The only writer of Qs8PotwGemmParams. */
export function initQs8PotwGemmParams(view: Int32Array, byteOffset: number, v: Qs8PotwGemmParamsValues): void {
  writeFields(view, byteOffset, QS8_POTW_GEMM_PARAMS_FIELDS, v);
}
/** The only writer of Qs8VaddParams. */
export function initQs8VaddParams(view: Int32Array, byteOffset: number, v: Qs8VaddParamsValues): void {
  writeFields(view, byteOffset, QS8_VADD_PARAMS_FIELDS, v);
}
/** The only writer of Qs8GavgpoolParams. */
export function initQs8GavgpoolParams(view: Int32Array, byteOffset: number, v: Qs8GavgpoolParamsValues): void {
  writeFields(view, byteOffset, QS8_GAVGPOOL_PARAMS_FIELDS, v);
}
/** The only writer of Qs8MaxpoolParams. */
export function initQs8MaxpoolParams(view: Int32Array, byteOffset: number, v: Qs8MaxpoolParamsValues): void {
  writeFields(view, byteOffset, QS8_MAXPOOL_PARAMS_FIELDS, v);
}
/** The only writer of X8StridedCopyParams. */
export function initX8StridedCopyParams(view: Int32Array, byteOffset: number, v: X8StridedCopyParamsValues): void {
  writeFields(view, byteOffset, X8_STRIDED_COPY_PARAMS_FIELDS, v);
}
/** The only writer of X8ToNchwParams. */
export function initX8ToNchwParams(view: Int32Array, byteOffset: number, v: X8ToNchwParamsValues): void {
  writeFields(view, byteOffset, X8_TO_NCHW_PARAMS_FIELDS, v);
}

/** Tile constants of the qs8-qc8w GEMM micro-kernel (assembly/abi.ts): channels per block, rows per pass, K granule. */
export const QS8_GEMM_NR = 4;
export const QS8_GEMM_MR = 2;
export const QS8_GEMM_KR = 8;
/** Bytes before each block's weights: bias' pairs (32), mult (16), shift (16), rounding i64 (32). */
export const QS8_BLOCK_HEADER_BYTES = 96;
/** Row-buffer tile budget (int16 rows): small enough to stay in L1 next to one weight block. */
export const QS8_TILE_BYTES = 16 * 1024;
/** Slack after the row buffer: the SIMD gather writes up to 7 int16 past a row (assembly/abi.ts). */
const ROW_BUFFER_SLACK = 16;
/** Shift given to the padding channels of a block (never stored; >= 32 keeps the SIMD fast path). */
const PAD_CHANNEL_SHIFT = 32;

/** Weights, bias and requantization of one QConv or QGemm, packed in wasm memory by Engine.packConv / packGemm. */
export class PackedLayerHandle {
  /** @internal */
  constructor(
    readonly engineId: number,
    readonly kind: "conv" | "gemm",
    readonly node: QConv | QGemm,
    /** The input zero point folded into the packed bias: run calls must use the same. */
    readonly zx: number,
    /** Byte offset of the packed blocks (layout: assembly/abi.ts). */
    readonly packed: number,
    readonly packedBytes: number,
    /** K per group, rounded up to QS8_GEMM_KR. */
    readonly kPad: number,
    /** Rows per row-buffer tile. */
    readonly tileP: number,
    /** Row-buffer bytes the kernel needs in the engine's shared scratch region. */
    readonly scratchBytes: number,
  ) {}
}
export type PackedConvHandle = PackedLayerHandle & { readonly kind: "conv"; readonly node: QConv };
export type PackedGemmHandle = PackedLayerHandle & { readonly kind: "gemm"; readonly node: QGemm };

function fail(op: string, message: string): never {
  throw new Error(`${op}: ${message}`);
}

function checkInt(op: string, name: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) fail(op, `${name} must be an integer in [${lo}, ${hi}], got ${v}`);
}

function checkZeroPoint(op: string, name: string, q: QParams): void {
  checkInt(op, `${name}.zeroPoint`, q.zeroPoint, -128, 127);
}

function checkClamp(op: string, qmin: number, qmax: number): void {
  checkInt(op, "qmin", qmin, -128, 127);
  checkInt(op, "qmax", qmax, -128, 127);
  if (qmin > qmax) fail(op, `qmin ${qmin} > qmax ${qmax}`);
}

function checkRequant(op: string, mult: ArrayLike<number>, shift: ArrayLike<number>, count: number): void {
  if (mult.length !== count || shift.length !== count) fail(op, `requant has ${mult.length} mults and ${shift.length} shifts, expected ${count}`);
  for (let i = 0; i < count; i++) {
    checkFixedPoint(mult[i]!, shift[i]!, `requant[${i}]`, (msg) => fail(op, msg));
  }
}

function checkGeometry(op: string, g: Omit<Conv2dGeometry, "m" | "group"> & { m?: number; group?: number }): void {
  const positive = ["c", "h", "w", "kh", "kw", "strideH", "strideW", "dilationH", "dilationW", "oh", "ow"] as const;
  for (const key of positive) checkInt(op, `geometry.${key}`, g[key], 1, 2 ** 30);
  for (const key of ["padTop", "padLeft", "padBottom", "padRight"] as const) checkInt(op, `geometry.${key}`, g[key], 0, 2 ** 30);
  if (g.m !== undefined) checkInt(op, "geometry.m", g.m, 1, 2 ** 30);
  if (g.group !== undefined) {
    checkInt(op, "geometry.group", g.group, 1, 2 ** 30);
    if (g.c % g.group !== 0 || g.m! % g.group !== 0) fail(op, `group ${g.group} must divide c ${g.c} and m ${g.m}`);
  }
  const oh = convOutputSize(g.h, g.kh, g.strideH, g.padTop, g.padBottom, g.dilationH);
  const ow = convOutputSize(g.w, g.kw, g.strideW, g.padLeft, g.padRight, g.dilationW);
  if (g.oh !== oh || g.ow !== ow) fail(op, `output size ${g.oh}x${g.ow} does not match the geometry, expected ${oh}x${ow}`);
}

/**
 * Packs `groups` x `mg` output channels of K int8 weights (row ch*K + k of `weights`) into
 * QS8_GEMM_NR-channel blocks: int16 weights, K padded to kPad with zeros, bias folded with -zx * sum(w).
 */
function packBlocks(
  weights: ArrayLike<number>, bias: Int32Array, mult: ArrayLike<number>, shift: ArrayLike<number>,
  groups: number, mg: number, k: number, kPad: number, zx: number,
): Uint8Array {
  const blocks = Math.ceil(mg / QS8_GEMM_NR);
  const blockBytes = QS8_BLOCK_HEADER_BYTES + kPad * QS8_GEMM_NR * 2;
  const out = new ArrayBuffer(groups * blocks * blockBytes);
  const i32 = new Int32Array(out);
  const i16 = new Int16Array(out);
  for (let g = 0; g < groups; g++) {
    for (let b = 0; b < blocks; b++) {
      const base = (g * blocks + b) * blockBytes;
      for (let j = 0; j < QS8_GEMM_NR; j++) {
        const local = b * QS8_GEMM_NR + j;
        const h = base >> 2;
        if (local >= mg) {
          i32[h + 12 + j] = PAD_CHANNEL_SHIFT;
          continue;
        }
        const ch = g * mg + local;
        let sum = 0;
        for (let kk = 0; kk < k; kk++) {
          const w = weights[ch * k + kk]!;
          sum += w;
          i16[((base + QS8_BLOCK_HEADER_BYTES) >> 1) + (kk >> 3) * (QS8_GEMM_KR * QS8_GEMM_NR) + j * QS8_GEMM_KR + (kk & 7)] = w;
        }
        const folded = (bias[ch]! - zx * sum) | 0; // kernel sums are modulo 2^32; the true accumulator fits an i32
        i32[h + 2 * j] = folded;
        i32[h + 2 * j + 1] = folded;
        i32[h + 8 + j] = mult[ch]!;
        i32[h + 12 + j] = shift[ch]!;
        const round = 2 ** (shift[ch]! - 1); // little-endian i64 as two i32 halves
        i32[h + 16 + 2 * j] = round % 2 ** 32;
        i32[h + 16 + 2 * j + 1] = Math.floor(round / 2 ** 32);
      }
    }
  }
  return new Uint8Array(out);
}

/** Row-buffer tile: as many kPad-int16 rows as fit QS8_TILE_BYTES, at least one register block, at most `maxRows`. */
export function tileRows(kPad: number, maxRows: number): number {
  const fit = Math.max(QS8_GEMM_MR, Math.floor(QS8_TILE_BYTES / (kPad * 2 * QS8_GEMM_MR)) * QS8_GEMM_MR);
  return Math.max(1, Math.min(fit, maxRows));
}

// ─── qs8-potw: power-of-two weights, shift-add kernels ────────────────────────────────────
// Packed layout, panel and overflow bounds: assembly/abi.ts (POTW_*).

/** Pixels (conv) or rows (gemm) per panel of the potw kernels (POTW_PANEL_PIXELS in assembly/abi.ts). */
export const POTW_PANEL_PIXELS = 32;
/** Bytes of one panel row: one tap for POTW_PANEL_PIXELS int8 pixels. */
export const POTW_PANEL_ROW_BYTES = POTW_PANEL_PIXELS;
/** Most taps per segment: 255 signed int8 addends (|x| <= 128) sum to at most 32640 < 2^15. */
export const POTW_SEGMENT_TAPS = 255;
/** The panel's K is padded to a multiple of this (the SIMD gather transposes 8 x 8 blocks). */
export const POTW_KR = 8;
/** Bytes of a channel record's header: bias', mult, shift, levels, round (i64), 8 unused. */
export const POTW_CHANNEL_HEADER_BYTES = 32;

/** Weights, bias and requantization of one PoT QConv or QGemm, packed by Engine.packPotConv / packPotGemm. */
export class PackedPotLayerHandle {
  /** @internal */
  constructor(
    readonly engineId: number,
    readonly kind: "conv" | "gemm",
    readonly node: QConv | QGemm,
    /** The input zero point folded into the packed bias: run calls must use the same. */
    readonly zx: number,
    /** Byte offset of the packed group table and channel records (layout: assembly/abi.ts). */
    readonly packed: number,
    readonly packedBytes: number,
    /** The panel's rows (assembly/abi.ts): runs * lPad (conv), K rounded up to POTW_KR (gemm). */
    readonly kPad: number,
    /** Scratch bytes (panel + the SIMD kernel's padded input copy) the kernel needs in the engine's shared scratch region. */
    readonly scratchBytes: number,
    /** Panel rows per run (conv). */
    readonly lPad: number,
    /** Size of the zx-padded input copy (conv). */
    readonly hp: number,
    readonly wp: number,
  ) {}
}
export type PackedPotConvHandle = PackedPotLayerHandle & { readonly kind: "conv"; readonly node: QConv };
export type PackedPotGemmHandle = PackedPotLayerHandle & { readonly kind: "gemm"; readonly node: QGemm };

/**
 * Panel layout of a potw conv (assembly/abi.ts): the panel row of every tap k (OHWI order),
 * rows per run (lPad), panel rows (kPad) and the zx-padded input copy (hp x wp) of the SIMD kernel.
 */
export function potwConvLayout(g: Conv2dGeometry): { rowOf: Int32Array; lPad: number; kPad: number; hp: number; wp: number } {
  const cg = g.c / g.group;
  const contiguous = g.group === 1 && g.dilationW === 1;
  const lPad = alignUp(contiguous ? g.kw * g.c : cg, POTW_KR);
  const runs = contiguous ? g.kh : g.kh * g.kw;
  const rowOf = new Int32Array(g.kh * g.kw * cg);
  for (let ky = 0; ky < g.kh; ky++) {
    for (let kx = 0; kx < g.kw; kx++) {
      const base = contiguous ? ky * lPad + kx * g.c : (ky * g.kw + kx) * lPad;
      for (let ci = 0; ci < cg; ci++) rowOf[(ky * g.kw + kx) * cg + ci] = base + ci;
    }
  }
  const hp = Math.max(g.h + g.padTop, (g.oh - 1) * g.strideH + (g.kh - 1) * g.dilationH + 1);
  const wp = Math.max(g.w + g.padLeft, (g.ow - 1) * g.strideW + (g.kw - 1) * g.dilationW + 1);
  return { rowOf, lPad, kPad: runs * lPad, hp, wp };
}

/** The exponent (0..7, -1 for a zero weight) and sign of every weight of a PoT layer (src/core/pot-codec.ts). */
function decodePotWeights(op: string, weights: ArrayLike<number>, bits: number): { exp: Int8Array; neg: Uint8Array } {
  if (bits !== 4 && bits !== 5) fail(op, `pot.bits must be 4 or 5, got ${bits}`);
  const r = potExponents(weights, bits);
  if ("bad" in r) fail(op, `weights[${r.bad}] = ${weights[r.bad]} is not a ${bits}-bit PoT weight (0 or +-2^e, e <= ${bits === 5 ? 7 : 6})`);
  return r;
}

/**
 * Packs `groups` x `mg` output channels of K PoT weights into the potw layout (assembly/abi.ts):
 * a group-offset table, then one record per channel with its taps sorted into exponent levels
 * (largest first) and segments of at most POTW_SEGMENT_TAPS taps, positive taps first.
 */
function packPotRecords(
  exp: Int8Array, neg: Uint8Array, bias: Int32Array, mult: ArrayLike<number>, shift: ArrayLike<number>,
  groups: number, mg: number, k: number, zx: number, rowOf: Int32Array | null,
): Uint8Array {
  const words: number[] = new Array<number>(groups).fill(0);
  const pos: number[][] = Array.from({ length: 8 }, () => []);
  const negs: number[][] = Array.from({ length: 8 }, () => []);
  for (let g = 0; g < groups; g++) {
    words[g] = words.length * 4;
    for (let j = 0; j < mg; j++) {
      const ch = g * mg + j;
      for (let e = 0; e < 8; e++) {
        pos[e]!.length = 0;
        negs[e]!.length = 0;
      }
      let emax = -1;
      let sum = 0;
      for (let kk = 0; kk < k; kk++) {
        const e = exp[ch * k + kk]!;
        if (e < 0) continue;
        const isNeg = neg[ch * k + kk] === 1;
        (isNeg ? negs : pos)[e]!.push((rowOf === null ? kk : rowOf[kk]!) * POTW_PANEL_ROW_BYTES);
        sum += isNeg ? -(2 ** e) : 2 ** e;
        emax = Math.max(emax, e);
      }
      const round = 2 ** (shift[ch]! - 1); // little-endian i64 as two i32 halves
      // kernel sums are modulo 2^32; the true accumulator fits an i32
      words.push((bias[ch]! - zx * sum) | 0, mult[ch]!, shift[ch]!, emax + 1, round % 2 ** 32 | 0, Math.floor(round / 2 ** 32), 0, 0);
      for (let e = emax; e >= 0; e--) {
        const taps = [...pos[e]!, ...negs[e]!];
        const npos = pos[e]!.length;
        const nseg = Math.ceil(taps.length / POTW_SEGMENT_TAPS);
        words.push(nseg);
        for (let s = 0; s < nseg; s++) {
          const from = s * POTW_SEGMENT_TAPS, to = Math.min(taps.length, from + POTW_SEGMENT_TAPS);
          const segPos = Math.max(0, Math.min(npos, to) - from);
          words.push(segPos, to - from - segPos, ...taps.slice(from, to));
        }
      }
    }
  }
  return new Uint8Array(Int32Array.from(words).buffer);
}

let nextEngineId = 1;

export class Engine {
  /** True when this instance runs build/simd.wasm. */
  readonly simd: boolean;
  private readonly exports: KernelExports;
  private readonly heap: Heap;
  private readonly id = nextEngineId++;
  /** One params struct area shared by every int8 run call (calls never overlap). */
  private readonly params: number;
  /** Shared row buffer of the int8 conv / gemm kernels, sized at pack time for the largest layer. */
  private scratch = 0;
  private scratchBytes = 0;
  /** Reused region of conv2dF32 (inputs, outputs, tile, params), grown only for a larger call. */
  private f32Work = 0;
  private f32WorkBytes = 0;
  private view32: Int32Array | null = null;

  /** `instance`: a WebAssembly.Instance of build/scalar.wasm or build/simd.wasm (see wasm-loader.ts). */
  constructor(instance: { readonly exports: object }, simd: boolean) {
    const exports = instance.exports as Partial<KernelExports>;
    if (
      !(exports.memory?.buffer instanceof ArrayBuffer) ||
      typeof exports.f32_conv2d !== "function" ||
      typeof exports.qs8_qc8w_conv2d_minmax !== "function" ||
      exports.HEAP_BASE === undefined
    ) {
      throw new Error("Engine: the wasm instance lacks the doubleq kernel exports");
    }
    for (const [name, size] of Object.entries(PARAMS_SIZES)) {
      const wasmSize = (exports as Record<string, { value: number } | undefined>)[name]?.value;
      if (wasmSize !== size) throw new Error(`Engine: ${name} is ${wasmSize} bytes in wasm, ${size} on the host`);
    }
    this.simd = simd;
    this.exports = exports as KernelExports;
    this.heap = new Heap(exports.memory, exports.HEAP_BASE.value);
    this.params = this.heap.alloc(MAX_PARAMS_SIZE);
  }

  /** Bytes of wasm memory reserved so far (kept and reused by later calls). */
  get memoryBytes(): number {
    return this.heap.capacity;
  }

  /**
   * Reserves `bytes` of wasm memory (16-byte aligned, followed by EXTRA_BYTES of padding) and
   * returns its byte offset. Never freed individually: allocate the activation arena once.
   */
  alloc(bytes: number): number {
    return this.heap.alloc(bytes);
  }

  /** A fresh Int8Array over wasm memory (take a new one after any alloc/pack: memory may grow). */
  i8View(ptr: number, length: number): Int8Array {
    this.checkRange("i8View", "view", ptr, length, 0);
    return new Int8Array(this.heap.memory.buffer, ptr, length);
  }

  private i32(): Int32Array {
    const buffer = this.heap.memory.buffer;
    if (this.view32 === null || this.view32.buffer !== buffer) this.view32 = new Int32Array(buffer);
    return this.view32;
  }

  /** Throws unless [ptr, ptr + bytes + extra) lies in the allocatable part of wasm memory. */
  private checkRange(op: string, name: string, ptr: number, bytes: number, extra = EXTRA_BYTES): void {
    const end = this.heap.memory.buffer.byteLength;
    if (!Number.isInteger(ptr) || ptr < ALIGN || !Number.isInteger(bytes) || bytes < 0 || ptr + bytes + extra > end) {
      fail(op, `${name} [${ptr}, ${ptr} + ${bytes}) (+${extra} padding) is outside wasm memory (${end} bytes)`);
    }
  }

  /** Input and output ranges must be disjoint (or identical, when `inPlace`). */
  private checkAlias(op: string, x: number, xBytes: number, y: number, yBytes: number, inPlace = false): void {
    if (inPlace && x === y) return;
    if (x < y + yBytes && y < x + xBytes) fail(op, `output [${y}, ${y + yBytes}) overlaps input [${x}, ${x + xBytes})${inPlace ? " (only exact in-place is allowed)" : ""}`);
  }

  private checkBatch(op: string, n: number): void {
    checkInt(op, "n", n, 1, 2 ** 24);
  }

  /** Grows the shared row buffer to at least `bytes` (pack time only). */
  private reserveScratch(bytes: number): void {
    if (bytes <= this.scratchBytes) return;
    this.scratch = this.heap.alloc(bytes);
    this.scratchBytes = bytes;
  }

  private checkHandle(op: string, h: PackedLayerHandle, kind: "conv" | "gemm"): void {
    if (!(h instanceof PackedLayerHandle) || h.kind !== kind) fail(op, `expects a handle from pack${kind === "conv" ? "Conv" : "Gemm"}`);
    if (h.engineId !== this.id) fail(op, "the handle was packed by another Engine");
  }

  /**
   * Packs a QConv's weights (int16, OHWI blocks of QS8_GEMM_NR channels, K padded to 8), bias
   * (folded with -zx * sum(w)) and requantization into wasm memory, once, and reserves the row
   * buffer its run calls need. `xq`: the input's quantization (its zero point is folded in).
   */
  packConv(node: QConv, xq: QParams): PackedConvHandle {
    const op = `packConv(${node.name})`;
    const g = node.geometry;
    checkGeometry(op, g);
    checkZeroPoint(op, "xq", xq);
    checkClamp(op, node.qmin, node.qmax);
    const cg = g.c / g.group, mg = g.m / g.group;
    const k = g.kh * g.kw * cg;
    if (node.weights.length !== g.m * k) fail(op, `weights have ${node.weights.length} values, expected m*kh*kw*c/group = ${g.m * k}`);
    if (node.bias.length !== g.m) fail(op, `bias has ${node.bias.length} values, expected ${g.m}`);
    checkRequant(op, node.requant.mult, node.requant.shift, g.m);
    const kPad = alignUp(k, QS8_GEMM_KR);
    const bytes = packBlocks(node.weights, node.bias, node.requant.mult, node.requant.shift, g.group, mg, k, kPad, xq.zeroPoint);
    const tileP = tileRows(kPad, g.oh * g.ow);
    const scratchBytes = tileP * kPad * 2 + ROW_BUFFER_SLACK;
    const packed = this.heap.alloc(bytes.length);
    this.reserveScratch(scratchBytes);
    this.heap.u8().set(bytes, packed);
    return new PackedLayerHandle(this.id, "conv", node, xq.zeroPoint, packed, bytes.length, kPad, tileP, scratchBytes) as PackedConvHandle;
  }

  /** Packs a QGemm (fully connected) like packConv: one group, K = node.k. */
  packGemm(node: QGemm, xq: QParams): PackedGemmHandle {
    const op = `packGemm(${node.name})`;
    checkInt(op, "k", node.k, 1, 2 ** 28);
    checkInt(op, "m", node.m, 1, 2 ** 28);
    checkZeroPoint(op, "xq", xq);
    checkClamp(op, node.qmin, node.qmax);
    if (node.weights.length !== node.m * node.k) fail(op, `weights have ${node.weights.length} values, expected m*k = ${node.m * node.k}`);
    if (node.bias.length !== node.m) fail(op, `bias has ${node.bias.length} values, expected ${node.m}`);
    checkRequant(op, node.requant.mult, node.requant.shift, node.m);
    const kPad = alignUp(node.k, QS8_GEMM_KR);
    const bytes = packBlocks(node.weights, node.bias, node.requant.mult, node.requant.shift, 1, node.m, node.k, kPad, xq.zeroPoint);
    const tileP = tileRows(kPad, Number.MAX_SAFE_INTEGER);
    const scratchBytes = tileP * kPad * 2 + ROW_BUFFER_SLACK;
    const packed = this.heap.alloc(bytes.length);
    this.reserveScratch(scratchBytes);
    this.heap.u8().set(bytes, packed);
    return new PackedLayerHandle(this.id, "gemm", node, xq.zeroPoint, packed, bytes.length, kPad, tileP, scratchBytes) as PackedGemmHandle;
  }

  /** QConv on n images: x [n][h][w][c] int8 at xPtr -> y [n][oh][ow][m] int8 at yPtr. */
  conv(h: PackedConvHandle, xPtr: number, yPtr: number, n: number, xq: QParams, yq: QParams): void {
    const op = "conv";
    this.checkHandle(op, h, "conv");
    this.checkBatch(op, n);
    if (xq.zeroPoint !== h.zx) fail(op, `input zero point ${xq.zeroPoint} differs from ${h.zx} folded in by packConv(${h.node.name})`);
    checkZeroPoint(op, "yq", yq);
    const g = h.node.geometry;
    const xBytes = n * g.h * g.w * g.c, yBytes = n * g.oh * g.ow * g.m;
    this.checkRange(op, "x", xPtr, xBytes);
    this.checkRange(op, "y", yPtr, yBytes);
    this.checkAlias(op, xPtr, xBytes, yPtr, yBytes);
    initQs8Qc8wConv2dParams(this.i32(), this.params, {
      input: xPtr, packed: h.packed, output: yPtr, scratch: this.scratch,
      n, c: g.c, h: g.h, w: g.w, m: g.m, kh: g.kh, kw: g.kw, strideH: g.strideH, strideW: g.strideW,
      padTop: g.padTop, padLeft: g.padLeft, dilationH: g.dilationH, dilationW: g.dilationW, group: g.group,
      oh: g.oh, ow: g.ow, kPad: h.kPad, tileP: h.tileP, zx: h.zx, zy: yq.zeroPoint, qmin: h.node.qmin, qmax: h.node.qmax,
    });
    this.exports.qs8_qc8w_conv2d_minmax(this.params);
  }

  /** QGemm on n rows: x [n][k] int8 -> y [n][m] int8. */
  gemm(h: PackedGemmHandle, xPtr: number, yPtr: number, n: number, xq: QParams, yq: QParams): void {
    const op = "gemm";
    this.checkHandle(op, h, "gemm");
    this.checkBatch(op, n);
    if (xq.zeroPoint !== h.zx) fail(op, `input zero point ${xq.zeroPoint} differs from ${h.zx} folded in by packGemm(${h.node.name})`);
    checkZeroPoint(op, "yq", yq);
    const node = h.node;
    const xBytes = n * node.k, yBytes = n * node.m;
    this.checkRange(op, "x", xPtr, xBytes);
    this.checkRange(op, "y", yPtr, yBytes);
    this.checkAlias(op, xPtr, xBytes, yPtr, yBytes);
    initQs8Qc8wGemmParams(this.i32(), this.params, {
      input: xPtr, packed: h.packed, output: yPtr, scratch: this.scratch,
      n, k: node.k, m: node.m, kPad: h.kPad, tileP: h.tileP, zy: yq.zeroPoint, qmin: node.qmin, qmax: node.qmax,
    });
    this.exports.qs8_qc8w_gemm_minmax(this.params);
  }

  private checkPotHandle(op: string, h: PackedPotLayerHandle, kind: "conv" | "gemm"): void {
    if (!(h instanceof PackedPotLayerHandle) || h.kind !== kind) fail(op, `expects a handle from packPot${kind === "conv" ? "Conv" : "Gemm"}`);
    if (h.engineId !== this.id) fail(op, "the handle was packed by another Engine");
  }

  /** Copies packed bytes into wasm memory and reserves the layer's scratch (pack time only). */
  private placePot(bytes: Uint8Array, scratchBytes: number): number {
    const packed = this.heap.alloc(bytes.length);
    this.reserveScratch(scratchBytes);
    this.heap.u8().set(bytes, packed);
    return packed;
  }

  /**
   * Packs a QConv with power-of-two weights (node.pot, codes in OHWI order) for the shift-add
   * kernel: per output channel its taps sorted by exponent and sign (layout: assembly/abi.ts),
   * bias folded with -zx * sum(w), requantization; reserves the scratch its run calls need.
   * `xq`: the input's quantization (its zero point is folded in).
   */
  packPotConv(node: QConv, xq: QParams): PackedPotConvHandle {
    const op = `packPotConv(${node.name})`;
    if (node.pot === undefined) fail(op, "the layer has no power-of-two weights (node.pot)");
    const g = node.geometry;
    checkGeometry(op, g);
    checkZeroPoint(op, "xq", xq);
    checkClamp(op, node.qmin, node.qmax);
    const cg = g.c / g.group, mg = g.m / g.group;
    const k = g.kh * g.kw * cg;
    if (node.weights.length !== g.m * k) fail(op, `weights have ${node.weights.length} values, expected m*kh*kw*c/group = ${g.m * k}`);
    if (node.bias.length !== g.m) fail(op, `bias has ${node.bias.length} values, expected ${g.m}`);
    checkRequant(op, node.requant.mult, node.requant.shift, g.m);
    const { exp, neg } = decodePotWeights(op, node.weights, node.pot.bits);
    const { rowOf, kPad, lPad, hp, wp } = potwConvLayout(g);
    const bytes = packPotRecords(exp, neg, node.bias, node.requant.mult, node.requant.shift, g.group, mg, k, xq.zeroPoint, rowOf);
    const scratchBytes = kPad * POTW_PANEL_ROW_BYTES + hp * wp * g.c + ROW_BUFFER_SLACK;
    const packed = this.placePot(bytes, scratchBytes);
    return new PackedPotLayerHandle(this.id, "conv", node, xq.zeroPoint, packed, bytes.length, kPad, scratchBytes, lPad, hp, wp) as PackedPotConvHandle;
  }

  /** Packs a QGemm with power-of-two weights (node.pot, codes [m][k]) like packPotConv: one group, K = node.k. */
  packPotGemm(node: QGemm, xq: QParams): PackedPotGemmHandle {
    const op = `packPotGemm(${node.name})`;
    if (node.pot === undefined) fail(op, "the layer has no power-of-two weights (node.pot)");
    checkInt(op, "k", node.k, 1, 2 ** 24);
    checkInt(op, "m", node.m, 1, 2 ** 24);
    checkZeroPoint(op, "xq", xq);
    checkClamp(op, node.qmin, node.qmax);
    if (node.weights.length !== node.m * node.k) fail(op, `weights have ${node.weights.length} values, expected m*k = ${node.m * node.k}`);
    if (node.bias.length !== node.m) fail(op, `bias has ${node.bias.length} values, expected ${node.m}`);
    checkRequant(op, node.requant.mult, node.requant.shift, node.m);
    const { exp, neg } = decodePotWeights(op, node.weights, node.pot.bits);
    const kPad = alignUp(node.k, POTW_KR);
    const bytes = packPotRecords(exp, neg, node.bias, node.requant.mult, node.requant.shift, 1, node.m, node.k, xq.zeroPoint, null);
    const scratchBytes = kPad * POTW_PANEL_ROW_BYTES + ROW_BUFFER_SLACK;
    const packed = this.placePot(bytes, scratchBytes);
    return new PackedPotLayerHandle(this.id, "gemm", node, xq.zeroPoint, packed, bytes.length, kPad, scratchBytes, kPad, 0, 0) as PackedPotGemmHandle;
  }

  /** Shift-add QConv on n images: x [n][h][w][c] int8 at xPtr -> y [n][oh][ow][m] int8 at yPtr (contract of conv). */
  potConv(h: PackedPotConvHandle, xPtr: number, yPtr: number, n: number, xq: QParams, yq: QParams): void {
    const op = "potConv";
    this.checkPotHandle(op, h, "conv");
    this.checkBatch(op, n);
    if (xq.zeroPoint !== h.zx) fail(op, `input zero point ${xq.zeroPoint} differs from ${h.zx} folded in by packPotConv(${h.node.name})`);
    checkZeroPoint(op, "yq", yq);
    const g = h.node.geometry;
    const xBytes = n * g.h * g.w * g.c, yBytes = n * g.oh * g.ow * g.m;
    this.checkRange(op, "x", xPtr, xBytes);
    this.checkRange(op, "y", yPtr, yBytes);
    this.checkAlias(op, xPtr, xBytes, yPtr, yBytes);
    initQs8PotwConv2dParams(this.i32(), this.params, {
      input: xPtr, packed: h.packed, output: yPtr, scratch: this.scratch,
      n, c: g.c, h: g.h, w: g.w, m: g.m, kh: g.kh, kw: g.kw, strideH: g.strideH, strideW: g.strideW,
      padTop: g.padTop, padLeft: g.padLeft, dilationH: g.dilationH, dilationW: g.dilationW, group: g.group,
      oh: g.oh, ow: g.ow, kPad: h.kPad, lPad: h.lPad, hp: h.hp, wp: h.wp,
      zx: h.zx, zy: yq.zeroPoint, qmin: h.node.qmin, qmax: h.node.qmax,
    });
    this.exports.qs8_potw_conv2d_minmax(this.params);
  }

  /** Shift-add QGemm on n rows: x [n][k] int8 -> y [n][m] int8 (contract of gemm). */
  potGemm(h: PackedPotGemmHandle, xPtr: number, yPtr: number, n: number, xq: QParams, yq: QParams): void {
    const op = "potGemm";
    this.checkPotHandle(op, h, "gemm");
    this.checkBatch(op, n);
    if (xq.zeroPoint !== h.zx) fail(op, `input zero point ${xq.zeroPoint} differs from ${h.zx} folded in by packPotGemm(${h.node.name})`);
    checkZeroPoint(op, "yq", yq);
    const node = h.node;
    const xBytes = n * node.k, yBytes = n * node.m;
    this.checkRange(op, "x", xPtr, xBytes);
    this.checkRange(op, "y", yPtr, yBytes);
    this.checkAlias(op, xPtr, xBytes, yPtr, yBytes);
    initQs8PotwGemmParams(this.i32(), this.params, {
      input: xPtr, packed: h.packed, output: yPtr, scratch: this.scratch,
      n, k: node.k, m: node.m, kPad: h.kPad, zy: yq.zeroPoint, qmin: node.qmin, qmax: node.qmax,
    });
    this.exports.qs8_potw_gemm_minmax(this.params);
  }

  /** QAdd on n images of node.size elements; y may be a or b exactly (in place). */
  add(node: QAdd, aPtr: number, bPtr: number, yPtr: number, n: number, aq: QParams, bq: QParams, yq: QParams): void {
    const op = `add(${node.name})`;
    this.checkBatch(op, n);
    checkInt(op, "size", node.size, 1, 2 ** 30);
    checkInt(op, "aMult", node.aMult, -(2 ** 22) + 1, 2 ** 22 - 1);
    checkInt(op, "bMult", node.bMult, -(2 ** 22) + 1, 2 ** 22 - 1);
    checkInt(op, "shift", node.shift, 1, 31);
    checkClamp(op, node.qmin, node.qmax);
    checkZeroPoint(op, "aq", aq);
    checkZeroPoint(op, "bq", bq);
    checkZeroPoint(op, "yq", yq);
    const count = n * node.size;
    this.checkRange(op, "a", aPtr, count);
    this.checkRange(op, "b", bPtr, count);
    this.checkRange(op, "y", yPtr, count);
    this.checkAlias(op, aPtr, count, yPtr, count, true);
    this.checkAlias(op, bPtr, count, yPtr, count, true);
    initQs8VaddParams(this.i32(), this.params, {
      a: aPtr, b: bPtr, output: yPtr, count, za: aq.zeroPoint, zb: bq.zeroPoint, zy: yq.zeroPoint,
      aMult: node.aMult, bMult: node.bMult, shift: node.shift, qmin: node.qmin, qmax: node.qmax,
    });
    this.exports.qs8_vadd_minmax(this.params);
  }

  /** QGlobalAvgPool: x [n][h][w][c] -> y [n][c]. */
  gavgpool(node: QGlobalAvgPool, xPtr: number, yPtr: number, n: number, xq: QParams, yq: QParams): void {
    const op = `gavgpool(${node.name})`;
    this.checkBatch(op, n);
    for (const key of ["h", "w", "c"] as const) checkInt(op, key, node[key], 1, 2 ** 30);
    const pixels = node.h * node.w;
    checkInt(op, "h*w", pixels, 1, 2 ** 23 - 1);
    checkFixedPoint(node.requant.mult, node.requant.shift, "requant", (msg) => fail(op, msg));
    checkZeroPoint(op, "xq", xq);
    checkZeroPoint(op, "yq", yq);
    const xBytes = n * pixels * node.c, yBytes = n * node.c;
    this.checkRange(op, "x", xPtr, xBytes);
    this.checkRange(op, "y", yPtr, yBytes);
    this.checkAlias(op, xPtr, xBytes, yPtr, yBytes);
    initQs8GavgpoolParams(this.i32(), this.params, {
      input: xPtr, output: yPtr, n, pixels, c: node.c, zx: xq.zeroPoint, zy: yq.zeroPoint,
      mult: node.requant.mult, shift: node.requant.shift,
    });
    this.exports.qs8_gavgpool(this.params);
  }

  /** QMaxPool: x [n][h][w][c] -> y [n][oh][ow][c]. */
  maxpool(node: QMaxPool, xPtr: number, yPtr: number, n: number): void {
    const op = `maxpool(${node.name})`;
    this.checkBatch(op, n);
    const g = node.geometry;
    checkGeometry(op, g);
    const xBytes = n * g.h * g.w * g.c, yBytes = n * g.oh * g.ow * g.c;
    this.checkRange(op, "x", xPtr, xBytes);
    this.checkRange(op, "y", yPtr, yBytes);
    this.checkAlias(op, xPtr, xBytes, yPtr, yBytes);
    initQs8MaxpoolParams(this.i32(), this.params, {
      input: xPtr, output: yPtr, n, c: g.c, h: g.h, w: g.w, kh: g.kh, kw: g.kw, strideH: g.strideH, strideW: g.strideW,
      padTop: g.padTop, padLeft: g.padLeft, dilationH: g.dilationH, dilationW: g.dilationW, oh: g.oh, ow: g.ow,
    });
    this.exports.qs8_maxpool(this.params);
  }

  /** QStridedCopy (Slice + constant Pad) of n images, per-image rank <= 4. */
  stridedCopy(node: QStridedCopy, xPtr: number, yPtr: number, n: number): void {
    const op = `stridedCopy(${node.name})`;
    this.checkBatch(op, n);
    const { inShape, outShape, start, step, lo, hi, fill } = node;
    const r = outShape.length;
    if (r < 1 || r > 4) fail(op, `rank ${r} is outside 1..4`);
    for (const [name, a] of [["inShape", inShape], ["start", start], ["step", step], ["lo", lo], ["hi", hi]] as const) {
      if (a.length !== r) fail(op, `${name} has ${a.length} entries, expected rank ${r}`);
    }
    checkInt(op, "fill", fill, -128, 127);
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
    const xBytes = n * inSize, yBytes = n * outSize;
    this.checkRange(op, "x", xPtr, xBytes);
    this.checkRange(op, "y", yPtr, yBytes);
    this.checkAlias(op, xPtr, xBytes, yPtr, yBytes);
    const hiOf = (a: number): number => (empty ? axis(a, lo, 0) : axis(a, hi, 1));
    initX8StridedCopyParams(this.i32(), this.params, {
      input: xPtr, output: yPtr, n, inSize, outSize, fill, srcOrigin: empty ? 0 : srcOrigin,
      out0: axis(0, outShape, 1), out1: axis(1, outShape, 1), out2: axis(2, outShape, 1), out3: axis(3, outShape, 1),
      lo0: axis(0, lo, 0), lo1: axis(1, lo, 0), lo2: axis(2, lo, 0), lo3: axis(3, lo, 0),
      hi0: hiOf(0), hi1: hiOf(1), hi2: hiOf(2), hi3: hiOf(3),
      src0: axis(0, srcStride, 0), src1: axis(1, srcStride, 0), src2: axis(2, srcStride, 0), src3: axis(3, srcStride, 0),
    });
    this.exports.x8_strided_copy(this.params);
  }

  /** NHWC -> NCHW: x [n][h][w][c] -> y [n][c][h][w]. */
  toNchw(node: QToNchw, xPtr: number, yPtr: number, n: number): void {
    const op = `toNchw(${node.name})`;
    this.checkBatch(op, n);
    for (const key of ["h", "w", "c"] as const) checkInt(op, key, node[key], 1, 2 ** 30);
    const bytes = n * node.h * node.w * node.c;
    this.checkRange(op, "x", xPtr, bytes);
    this.checkRange(op, "y", yPtr, bytes);
    this.checkAlias(op, xPtr, bytes, yPtr, bytes);
    initX8ToNchwParams(this.i32(), this.params, { input: xPtr, output: yPtr, n, pixels: node.h * node.w, c: node.c });
    this.exports.x8_to_nchw(this.params);
  }

  /** A region of `bytes` for conv2dF32, reused by later calls (grown only when a call needs more). */
  private f32Region(bytes: number): number {
    if (bytes > this.f32WorkBytes) {
      this.f32Work = this.heap.alloc(bytes);
      this.f32WorkBytes = bytes;
    }
    return this.f32Work;
  }

  /**
   * ONNX Conv: y[n][m][oh][ow] = bias[m] + sum W[m][c/group][kh][kw] * x[n][c][h][w] (zero padding).
   * Returns `out` (n*m*oh*ow floats) if given, else a new array.
   */
  conv2dF32(x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dF32Shape, out?: Float32Array): Float32Array {
    validateConv2dF32Shape(p);
    const kdim = (p.c / p.group) * p.kh * p.kw;
    const pixels = p.oh * p.ow;
    const outLength = p.n * p.m * pixels;
    checkLength("x", x, p.n * p.c * p.h * p.w);
    checkLength("w", w, p.m * kdim);
    if (bias !== null) checkLength("bias", bias, p.m);
    const y = out ?? new Float32Array(outLength);
    checkLength("out", y, outLength);

    const tileP = Math.min(
      alignUp(pixels, PANEL_COLS),
      Math.max(PANEL_COLS, Math.floor(TILE_BYTES / (kdim * 4 * PANEL_COLS)) * PANEL_COLS),
    );
    // Sub-buffers of one reused region, each ALIGN-aligned and followed by EXTRA_BYTES.
    const sizes = [x.length * 4, w.length * 4, bias === null ? 0 : bias.length * 4, outLength * 4, kdim * tileP * 4, F32_CONV2D_PARAMS_SIZE];
    const offsets: number[] = [];
    let total = 0;
    for (const size of sizes) {
      offsets.push(total);
      total += alignUp(size + EXTRA_BYTES, ALIGN);
    }
    const base = this.f32Region(total);
    const [input, weight, biasPtr, output, scratch, params] = offsets.map((o) => base + o) as [number, number, number, number, number, number];
    const ptr: Conv2dF32Pointers = { input, weight, bias: bias === null ? 0 : biasPtr, output, scratch };

    // No alloc() below this line: the views stay valid.
    const f32 = this.heap.f32();
    f32.set(x, ptr.input >> 2);
    f32.set(w, ptr.weight >> 2);
    if (bias !== null) f32.set(bias, ptr.bias >> 2);
    initF32Conv2dParams(this.heap.i32(), params, ptr, p, tileP);
    this.exports.f32_conv2d(params);
    y.set(this.heap.f32().subarray(ptr.output >> 2, (ptr.output >> 2) + outLength));
    return y;
  }
}
