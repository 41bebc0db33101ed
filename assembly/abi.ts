// Memory contract shared by every kernel and the host (src/runtime/heap.ts, src/runtime/kernels.ts).
//
// - Every buffer handed to a kernel starts on an ALIGN-byte boundary and is followed by
//   EXTRA_BYTES of padding: kernels may *read* up to EXTRA_BYTES past the end of a buffer,
//   they never *write* past it.
// - Kernels never allocate. Temporary space (packed im2col tiles) is a host-reserved
//   `scratch` region whose minimum size each params struct documents.
// - Params structs are written by exactly one host function each; the field order below
//   is the ABI (all fields are 4 bytes on wasm32, so offset = 4 * field index).
// see: XNNPACK include/xnnpack.h (XNN_EXTRA_BYTES), AS std/assembly/rt/common.ts (AL_BITS = 4)

export const EXTRA_BYTES: i32 = 16;
export const ALIGN: i32 = 16;

/** Pixels per packed im2col panel: the f32 GEMM tiles are NR = 8 columns wide (2 x f32x4). */
export const F32_PANEL_COLS: i32 = 8;

// F32Conv2dParams: ONNX Conv (NCHW, zero padding, optional bias), float32.
// see: https://onnx.ai/onnx/operators/onnx__Conv.html
//
//  offset  field       type   meaning
//  ╒═════╤═══════════╤══════╤════════════════════════════════════════════════════════╕
//  │   0 │ input     │ ptr  │ x  [n][c][h][w]                                         │
//  │   4 │ weight    │ ptr  │ W  [m][c/group][kh][kw]                                 │
//  │   8 │ bias      │ ptr  │ b  [m], or 0 for no bias                                │
//  │  12 │ output    │ ptr  │ y  [n][m][oh][ow]   (must not alias input or weight)    │
//  │  16 │ scratch   │ ptr  │ packed tile: >= (c/group)*kh*kw * tileP * 4 bytes       │
//  ├─────┼───────────┼──────┼────────────────────────────────────────────────────────┤
//  │  20 │ n         │ i32  │ batch                                                   │
//  │  24 │ c         │ i32  │ input channels                                          │
//  │  28 │ h         │ i32  │ input height                                            │
//  │  32 │ w         │ i32  │ input width                                             │
//  │  36 │ m         │ i32  │ output channels                                         │
//  │  40 │ kh        │ i32  │ kernel height                                           │
//  │  44 │ kw        │ i32  │ kernel width                                            │
//  │  48 │ strideH   │ i32  │                                                         │
//  │  52 │ strideW   │ i32  │                                                         │
//  │  56 │ padTop    │ i32  │ (padBottom / padRight are implied by oh / ow)           │
//  │  60 │ padLeft   │ i32  │                                                         │
//  │  64 │ dilationH │ i32  │                                                         │
//  │  68 │ dilationW │ i32  │                                                         │
//  │  72 │ group     │ i32  │ c % group == 0, m % group == 0                          │
//  │  76 │ oh        │ i32  │ output height                                           │
//  │  80 │ ow        │ i32  │ output width                                            │
//  │  84 │ tileP     │ i32  │ output pixels packed per tile, multiple of 8, > 0       │
//  ╘═════╧═══════════╧══════╧════════════════════════════════════════════════════════╛
//  sizeof = 88
//
// Packed tile layout in `scratch` (one group, pixels p0 .. p0+tileP-1 of one image):
//
//   panel 0                      panel 1                      ...
//   ┌─────────────────────────┐  ┌─────────────────────────┐
//   │ k=0    : px 0..7        │  │ k=0    : px 8..15       │
//   │ k=1    : px 0..7        │  │ k=1    : px 8..15       │
//   │ ...                     │  │ ...                     │
//   │ k=K-1  : px 0..7        │  │ k=K-1  : px 8..15       │
//   └─────────────────────────┘  └─────────────────────────┘
//   K = (c/group)*kh*kw, k = (ci*kh + ky)*kw + kx; padded pixels and the tail
//   lanes of the last panel hold 0.
@unmanaged
export class F32Conv2dParams {
  input: usize;
  weight: usize;
  bias: usize;
  output: usize;
  scratch: usize;
  n: i32;
  c: i32;
  h: i32;
  w: i32;
  m: i32;
  kh: i32;
  kw: i32;
  strideH: i32;
  strideW: i32;
  padTop: i32;
  padLeft: i32;
  dilationH: i32;
  dilationW: i32;
  group: i32;
  oh: i32;
  ow: i32;
  tileP: i32;
}

// ─── int8 kernels ────────────────────────────────────────────────────────────────────────
// Activations are int8 NHWC ([n][h][w][c]); all quantization constants come from the host
// (src/runtime/kernels.ts), kernels only apply them (rounding: assembly/requant.ts).

/** Output channels per packed weight block of the qs8-qc8w GEMM (and conv) micro-kernel. */
export const QS8_GEMM_NR: i32 = 4;
/** Rows (output pixels) per pass of the GEMM micro-kernel: each weight load feeds MR rows. */
export const QS8_GEMM_MR: i32 = 2;
/** The reduction dimension K is padded with zero weights to a multiple of this (one i16x8). */
export const QS8_GEMM_KR: i32 = 8;
/** Bytes of the header that precedes each block's weights (see the packed layout below). */
export const QS8_BLOCK_HEADER_BYTES: i32 = 96;

// Packed qc8w weights (written once per layer by Engine.packConv / Engine.packGemm):
// per group, ceil(mg / NR) blocks of NR = 4 output channels; a block is
//
//   offset  content
//   ┌──────┬─────────────────────────────────────────────────────────────────────────────┐
//   │    0 │ bias' i32 x 8: b0 b0 b1 b1 b2 b2 b3 b3  (pairs: lanes = MR pixels of a channel)│
//   │   32 │ mult  i32 x 4                                                                │
//   │   48 │ shift i32 x 4  (32 for channels past mg, whose mult and bias are 0)          │
//   │   64 │ round i64 x 4: 2^(shift - 1) (read by the SIMD requantization only)           │
//   │   96 │ chunk 0: w[ch0][k 0..7] w[ch1][k 0..7] w[ch2][k 0..7] w[ch3][k 0..7]  (i16)   │
//   │  160 │ chunk 1: k 8..15 ...                                                         │
//   │  ... │ kPad / 8 chunks of 64 bytes                                                  │
//   └──────┴─────────────────────────────────────────────────────────────────────────────┘
//   block stride = 96 + kPad * NR * 2 bytes; channels past mg and k >= K hold weight 0.
//   bias'[ch] = bias[ch] - zx * sum_k w[ch][k], so that padding pixels may hold zx (they then
//   contribute (zx - zx) * w = 0) and the kernels never subtract the input zero point.
//   k = (ky * kw + kx) * (c / group) + ci, the OHWI order of QConv.weights.
//
// Row buffer (in `scratch`): tileP rows of kPad int16 each. QConv: an im2col row per output
// pixel, row[k] = x[iy][ix][g * cg + ci], or zx where the window leaves the image; QGemm:
// the sign-extended input rows. Entries k >= K are don't-care (their weights are 0). The
// SIMD gather may write up to 7 int16 past a row's end (into the next row, or into the 16
// spare bytes after the last one).

// Qs8Qc8wConv2dParams: QConv (src/ir/qgraph.ts) over a batch, int8 NHWC in and out.
//
//  offset  field       type   meaning
//  ╒═════╤═══════════╤══════╤════════════════════════════════════════════════════════╕
//  │   0 │ input     │ ptr  │ x  [n][h][w][c] int8                                    │
//  │   4 │ packed    │ ptr  │ packed blocks (layout above), group after group         │
//  │   8 │ output    │ ptr  │ y  [n][oh][ow][m] int8 (must not alias input)           │
//  │  12 │ scratch   │ ptr  │ row buffer: >= tileP * kPad * 2 + 16 bytes              │
//  ├─────┼───────────┼──────┼────────────────────────────────────────────────────────┤
//  │  16 │ n         │ i32  │ batch                                                   │
//  │  20 │ c         │ i32  │ input channels                                          │
//  │  24 │ h         │ i32  │                                                         │
//  │  28 │ w         │ i32  │                                                         │
//  │  32 │ m         │ i32  │ output channels                                         │
//  │  36 │ kh        │ i32  │                                                         │
//  │  40 │ kw        │ i32  │                                                         │
//  │  44 │ strideH   │ i32  │                                                         │
//  │  48 │ strideW   │ i32  │                                                         │
//  │  52 │ padTop    │ i32  │ (padBottom / padRight are implied by oh / ow)           │
//  │  56 │ padLeft   │ i32  │                                                         │
//  │  60 │ dilationH │ i32  │                                                         │
//  │  64 │ dilationW │ i32  │                                                         │
//  │  68 │ group     │ i32  │                                                         │
//  │  72 │ oh        │ i32  │                                                         │
//  │  76 │ ow        │ i32  │                                                         │
//  │  80 │ kPad      │ i32  │ (c/group)*kh*kw rounded up to a multiple of KR = 8      │
//  │  84 │ tileP     │ i32  │ rows of the row buffer, >= 1                            │
//  │  88 │ zx        │ i32  │ input zero point (the padding value; bias' folds it)   │
//  │  92 │ zy        │ i32  │ output zero point                                       │
//  │  96 │ qmin      │ i32  │ output clamp, -128 <= qmin <= qmax <= 127               │
//  │ 100 │ qmax      │ i32  │                                                         │
//  ╘═════╧═══════════╧══════╧════════════════════════════════════════════════════════╛
//  sizeof = 104
@unmanaged
export class Qs8Qc8wConv2dParams {
  input: usize;
  packed: usize;
  output: usize;
  scratch: usize;
  n: i32;
  c: i32;
  h: i32;
  w: i32;
  m: i32;
  kh: i32;
  kw: i32;
  strideH: i32;
  strideW: i32;
  padTop: i32;
  padLeft: i32;
  dilationH: i32;
  dilationW: i32;
  group: i32;
  oh: i32;
  ow: i32;
  kPad: i32;
  tileP: i32;
  zx: i32;
  zy: i32;
  qmin: i32;
  qmax: i32;
}

// Qs8Qc8wGemmParams: QGemm over a batch: y[n][m] = requant(bias'[m] + sum_k x[n][k] * w[m][k]).
//
//  offset  field     type   meaning
//  ╒═════╤═════════╤══════╤══════════════════════════════════════════════════════════╕
//  │   0 │ input   │ ptr  │ x [n][k] int8                                             │
//  │   4 │ packed  │ ptr  │ packed blocks (layout above, one group)                   │
//  │   8 │ output  │ ptr  │ y [n][m] int8 (must not alias input)                      │
//  │  12 │ scratch │ ptr  │ row buffer: >= tileP * kPad * 2 + 16 bytes                │
//  │  16 │ n       │ i32  │ batch (rows)                                              │
//  │  20 │ k       │ i32  │                                                           │
//  │  24 │ m       │ i32  │                                                           │
//  │  28 │ kPad    │ i32  │ k rounded up to a multiple of KR = 8                      │
//  │  32 │ tileP   │ i32  │ rows per row-buffer tile, >= 1                            │
//  │  36 │ zy      │ i32  │ output zero point                                         │
//  │  40 │ qmin    │ i32  │                                                           │
//  │  44 │ qmax    │ i32  │                                                           │
//  ╘═════╧═════════╧══════╧══════════════════════════════════════════════════════════╛
//  sizeof = 48
@unmanaged
export class Qs8Qc8wGemmParams {
  input: usize;
  packed: usize;
  output: usize;
  scratch: usize;
  n: i32;
  k: i32;
  m: i32;
  kPad: i32;
  tileP: i32;
  zy: i32;
  qmin: i32;
  qmax: i32;
}

// Qs8VaddParams: QAdd, elementwise over `count` elements:
//   y = clamp(zy + roundingShift((a - za) * aMult + (b - zb) * bMult, shift), qmin, qmax)
//
//  offset  field   type   meaning
//  ╒═════╤═══════╤══════╤════════════════════════════════════════════════════════════╕
//  │   0 │ a     │ ptr  │ int8 [count]                                                │
//  │   4 │ b     │ ptr  │ int8 [count]                                                │
//  │   8 │ output│ ptr  │ int8 [count]; may alias a or b exactly (in place)           │
//  │  12 │ count │ i32  │ elements (batch included)                                   │
//  │  16 │ za    │ i32  │                                                             │
//  │  20 │ zb    │ i32  │                                                             │
//  │  24 │ zy    │ i32  │                                                             │
//  │  28 │ aMult │ i32  │ |aMult| < 2^22 (so the sum of both products fits an i32)    │
//  │  32 │ bMult │ i32  │ |bMult| < 2^22                                              │
//  │  36 │ shift │ i32  │ 1 .. 31                                                     │
//  │  40 │ qmin  │ i32  │                                                             │
//  │  44 │ qmax  │ i32  │                                                             │
//  ╘═════╧═══════╧══════╧════════════════════════════════════════════════════════════╛
//  sizeof = 48
@unmanaged
export class Qs8VaddParams {
  a: usize;
  b: usize;
  output: usize;
  count: i32;
  za: i32;
  zb: i32;
  zy: i32;
  aMult: i32;
  bMult: i32;
  shift: i32;
  qmin: i32;
  qmax: i32;
}

// Qs8GavgpoolParams: QGlobalAvgPool: y[n][c] = clamp(zy + requant(sum_p (x[n][p][c] - zx)), -128, 127).
//
//  offset  field   type   meaning
//  ╒═════╤═══════╤══════╤════════════════════════════════════════════════════════════╕
//  │   0 │ input │ ptr  │ x [n][pixels][c] int8                                       │
//  │   4 │ output│ ptr  │ y [n][c] int8                                               │
//  │   8 │ n     │ i32  │                                                             │
//  │  12 │ pixels│ i32  │ h * w, < 2^23 (the sum fits an i32)                         │
//  │  16 │ c     │ i32  │                                                             │
//  │  20 │ zx    │ i32  │                                                             │
//  │  24 │ zy    │ i32  │                                                             │
//  │  28 │ mult  │ i32  │ [2^30, 2^31)                                                │
//  │  32 │ shift │ i32  │ 1 .. 62                                                     │
//  ╘═════╧═══════╧══════╧════════════════════════════════════════════════════════════╛
//  sizeof = 36
@unmanaged
export class Qs8GavgpoolParams {
  input: usize;
  output: usize;
  n: i32;
  pixels: i32;
  c: i32;
  zx: i32;
  zy: i32;
  mult: i32;
  shift: i32;
}

// Qs8MaxpoolParams: QMaxPool, int8 NHWC: max over the in-bounds window cells (-128 if none).
//
//  offset  field     type   meaning
//  ╒═════╤═════════╤══════╤══════════════════════════════════════════════════════════╕
//  │   0 │ input   │ ptr  │ x [n][h][w][c]                                            │
//  │   4 │ output  │ ptr  │ y [n][oh][ow][c] (must not alias input)                   │
//  │   8 │ n       │ i32  │                                                           │
//  │  12 │ c       │ i32  │                                                           │
//  │  16 │ h       │ i32  │                                                           │
//  │  20 │ w       │ i32  │                                                           │
//  │  24 │ kh      │ i32  │                                                           │
//  │  28 │ kw      │ i32  │                                                           │
//  │  32 │ strideH │ i32  │                                                           │
//  │  36 │ strideW │ i32  │                                                           │
//  │  40 │ padTop  │ i32  │                                                           │
//  │  44 │ padLeft │ i32  │                                                           │
//  │  48 │dilationH│ i32  │                                                           │
//  │  52 │dilationW│ i32  │                                                           │
//  │  56 │ oh      │ i32  │                                                           │
//  │  60 │ ow      │ i32  │                                                           │
//  ╘═════╧═════════╧══════╧══════════════════════════════════════════════════════════╛
//  sizeof = 64
@unmanaged
export class Qs8MaxpoolParams {
  input: usize;
  output: usize;
  n: i32;
  c: i32;
  h: i32;
  w: i32;
  kh: i32;
  kw: i32;
  strideH: i32;
  strideW: i32;
  padTop: i32;
  padLeft: i32;
  dilationH: i32;
  dilationW: i32;
  oh: i32;
  ow: i32;
}

// X8StridedCopyParams: QStridedCopy (Slice + constant Pad) of a rank <= 4 per-image shape,
// left-padded to rank 4 by the host (outShape 1, lo 0, hi 1, srcStride 0):
//   out[o] = in[srcOrigin + sum_a (o_a - lo_a) * srcStride_a]  if lo_a <= o_a < hi_a for all a,
//            fill                                              otherwise.
// srcStride_a = step_a * (row-major stride of input axis a), may be negative;
// srcOrigin = sum_a start_a * (input stride a). The host checks every source index is in bounds.
//
//  offset  field      type   meaning
//  ╒═════╤══════════╤══════╤═════════════════════════════════════════════════════════╕
//  │   0 │ input    │ ptr  │ int8 [n][inSize]                                         │
//  │   4 │ output   │ ptr  │ int8 [n][outSize] (must not alias input)                 │
//  │   8 │ n        │ i32  │                                                          │
//  │  12 │ inSize   │ i32  │ elements per image                                       │
//  │  16 │ outSize  │ i32  │ = out0 * out1 * out2 * out3                              │
//  │  20 │ fill     │ i32  │ int8 value outside [lo, hi)                              │
//  │  24 │ srcOrigin│ i32  │                                                          │
//  │  28 │ out0..3  │ i32×4│ output shape                                             │
//  │  44 │ lo0..3   │ i32×4│                                                          │
//  │  60 │ hi0..3   │ i32×4│                                                          │
//  │  76 │ src0..3  │ i32×4│ source stride per output step                            │
//  ╘═════╧══════════╧══════╧═════════════════════════════════════════════════════════╛
//  sizeof = 92
@unmanaged
export class X8StridedCopyParams {
  input: usize;
  output: usize;
  n: i32;
  inSize: i32;
  outSize: i32;
  fill: i32;
  srcOrigin: i32;
  out0: i32;
  out1: i32;
  out2: i32;
  out3: i32;
  lo0: i32;
  lo1: i32;
  lo2: i32;
  lo3: i32;
  hi0: i32;
  hi1: i32;
  hi2: i32;
  hi3: i32;
  src0: i32;
  src1: i32;
  src2: i32;
  src3: i32;
}

// X8ToNchwParams: y[n][c][p] = x[n][p][c] for p < pixels (= h * w).
//
//  offset  field   type   meaning
//  ╒═════╤═══════╤══════╤════════════════════════════════════════════════════════════╕
//  │   0 │ input │ ptr  │ int8 [n][pixels][c]                                         │
//  │   4 │ output│ ptr  │ int8 [n][c][pixels] (must not alias input)                  │
//  │   8 │ n     │ i32  │                                                             │
//  │  12 │ pixels│ i32  │                                                             │
//  │  16 │ c     │ i32  │                                                             │
//  ╘═════╧═══════╧══════╧════════════════════════════════════════════════════════════╛
//  sizeof = 20
@unmanaged
export class X8ToNchwParams {
  input: usize;
  output: usize;
  n: i32;
  pixels: i32;
  c: i32;
}

// ─── qs8-potw: power-of-two weights, shift-add kernels (level two) ──────────────────────────
// A PoT weight is s * 2^e (s = +-1, e in 0..7) or 0 (src/ir/qgraph.ts PotWeights). Per output
// channel, the host sorts the nonzero taps into exponent levels at pack time, so that
//   acc = bias' + sum_k w[k] * x[k] = bias' + sum_e 2^e * (sum_{k: +2^e} x[k] - sum_{k: -2^e} x[k])
// is computed with adds only: each level's signed sum of raw int8 activations, then Horner's
// rule over the levels from the largest exponent down (acc = 2 * acc + level sum: a doubling,
// i.e. a shift by the constant 1). No multiply in the MAC loop; the per-channel
// requantization at the end (assembly/requant.ts) still multiplies once per output.
//
// Bounds (every sum is exact):
// - A segment sums at most POTW_SEGMENT_TAPS = 255 raw int8 values with + or -, so its true
//   value lies in [-255 * 128, 255 * 128] = [-32640, 32640] and fits an int16. The SIMD kernel
//   adds in int16 lanes with wrap-around: the lane holds the true sum mod 2^16, and since that
//   sum fits an int16, sign-extending the lane recovers it exactly.
// - The int32 accumulator ends at bias' + sum_k w[k] * x[k] (the int8 kernel's accumulator on
//   the decoded weights, also taken mod 2^32); every step (add, doubling, sign extension) is
//   a ring operation mod 2^32, so the final value is exact whenever the true one fits an i32,
//   the same condition as for the int8 kernel.
// - bias' = bias - zx * sum_k w[k] (as for qc8w): padding taps hold zx and the kernels never
//   subtract the input zero point.

/** Output pixels (conv) or batch rows (gemm) per panel: the SIMD kernel holds 4 x i16x8 lanes. */
export const POTW_PANEL_PIXELS: i32 = 32;
/** Bytes of one panel row (one tap k for POTW_PANEL_PIXELS pixels, int8). */
export const POTW_PANEL_ROW_BYTES: i32 = POTW_PANEL_PIXELS;
/** Most taps of one segment: 255 * 128 < 2^15 keeps a segment sum inside an int16. */
export const POTW_SEGMENT_TAPS: i32 = 255;
/** Panel rows per run (and per gemm row) are a multiple of this: the SIMD gather transposes 8 x 8 bytes. */
export const POTW_KR: i32 = 8;
/** Bytes of a channel record's header (below). */
export const POTW_CHANNEL_HEADER_BYTES: i32 = 32;

// Packed potw weights (written once per layer by Engine.packPotConv / Engine.packPotGemm):
//
//   ┌────────────────────────────┐
//   │ groupOffset i32 x group    │ byte offset (from `packed`) of each group's first record
//   ├────────────────────────────┤
//   │ channel record 0 of group 0│ records are variable-length and follow each other:
//   │ channel record 1           │ a kernel walks a group's mg records in order
//   │ ...                        │
//   └────────────────────────────┘
//
// Channel record:
//
//   offset  content
//   ┌──────┬─────────────────────────────────────────────────────────────────────────────┐
//   │    0 │ bias'  i32: bias - zx * sum_k w[k]                                           │
//   │    4 │ mult   i32                                                                   │
//   │    8 │ shift  i32 (1..62)                                                            │
//   │   12 │ levels i32: emax + 1, where emax is the channel's largest exponent; 0 when   │
//   │      │        every weight is 0                                                     │
//   │   16 │ round  i64: 2^(shift - 1) (read by the SIMD requantization only)              │
//   │   24 │ (unused, 0)                                                                  │
//   │   32 │ level emax: nseg i32, then nseg segments                                     │
//   │  ... │ level emax - 1 ... level 0 (a level without taps is just nseg = 0)           │
//   └──────┴─────────────────────────────────────────────────────────────────────────────┘
//   segment: npos i32, nneg i32, then npos + nneg tap offsets i32 (positive taps first),
//            1 <= npos + nneg <= POTW_SEGMENT_TAPS; a level with more taps has several.
//   tap offset = row(k) * POTW_PANEL_ROW_BYTES for the tap k = (ky * kw + kx) * cg + ci
//   (OHWI, cg = c / group), where the panel row of a tap is
//     row(k) = ky * lPad + kx * c + ci         when group == 1 and dilationW == 1 ("contiguous":
//                                              one run of kw * c input bytes per kernel row),
//     row(k) = (ky * kw + kx) * lPad + ci      otherwise (one run of cg bytes per kernel tap),
//   lPad = the run length rounded up to POTW_KR; QGemm: row(k) = k.
//
// Panel (in `scratch`), filled per group and per POTW_PANEL_PIXELS output pixels:
//
//   ┌────────────────────────────────────────────────┐
//   │ row 0       : x(px 0) x(px 1) ... x(px 31) i8  │  32 bytes per row
//   │ row 1       : ...                              │
//   │ ...                                            │
//   │ row kPad-1                                     │  kPad = runs * lPad (gemm: K
//   └────────────────────────────────────────────────┘  rounded up to POTW_KR)
//   x(px, row(k)) = the input value tap k of output pixel px reads (zx where the window
//   leaves the image; gemm: x[row][k]). Rows no tap maps to and pixels past the last one are
//   don't-care. The SIMD conv kernel first copies each image into a zx-padded copy
//   (hp x wp x c int8, after the panel, + 16 bytes of slack), so that every run is
//   contiguous, then transposes 8 pixels x 8 bytes of runs at a time into the panel.

// Qs8PotwConv2dParams: QConv with PoT weights over a batch, int8 NHWC in and out.
//
//  offset  field       type   meaning
//  ╒═════╤═══════════╤══════╤════════════════════════════════════════════════════════╕
//  │   0 │ input     │ ptr  │ x  [n][h][w][c] int8                                    │
//  │   4 │ packed    │ ptr  │ packed potw weights (layout above)                      │
//  │   8 │ output    │ ptr  │ y  [n][oh][ow][m] int8 (must not alias input)           │
//  │  12 │ scratch   │ ptr  │ >= kPad * 32 + hp * wp * c + 16 bytes                   │
//  ├─────┼───────────┼──────┼────────────────────────────────────────────────────────┤
//  │  16 │ n         │ i32  │ batch                                                   │
//  │  20 │ c         │ i32  │ input channels                                          │
//  │  24 │ h         │ i32  │                                                         │
//  │  28 │ w         │ i32  │                                                         │
//  │  32 │ m         │ i32  │ output channels                                         │
//  │  36 │ kh        │ i32  │                                                         │
//  │  40 │ kw        │ i32  │                                                         │
//  │  44 │ strideH   │ i32  │                                                         │
//  │  48 │ strideW   │ i32  │                                                         │
//  │  52 │ padTop    │ i32  │ (padBottom / padRight are implied by oh / ow)           │
//  │  56 │ padLeft   │ i32  │                                                         │
//  │  60 │ dilationH │ i32  │                                                         │
//  │  64 │ dilationW │ i32  │                                                         │
//  │  68 │ group     │ i32  │                                                         │
//  │  72 │ oh        │ i32  │ output height                                           │
//  │  76 │ ow        │ i32  │ output width                                            │
//  │  80 │ kPad      │ i32  │ panel rows: runs * lPad (see row(k) above)              │
//  │  84 │ lPad      │ i32  │ panel rows per run: run length rounded up to POTW_KR    │
//  │  88 │ hp        │ i32  │ rows of the padded copy: max(h + padTop, rows read)     │
//  │  92 │ wp        │ i32  │ columns of the padded copy: max(w + padLeft, cols read) │
//  │  96 │ zx        │ i32  │ input zero point (the padding value; bias' folds it)   │
//  │ 100 │ zy        │ i32  │ output zero point                                       │
//  │ 104 │ qmin      │ i32  │ output clamp, -128 <= qmin <= qmax <= 127               │
//  │ 108 │ qmax      │ i32  │                                                         │
//  ╘═════╧═══════════╧══════╧════════════════════════════════════════════════════════╛
//  sizeof = 112
@unmanaged
export class Qs8PotwConv2dParams {
  input: usize;
  packed: usize;
  output: usize;
  scratch: usize;
  n: i32;
  c: i32;
  h: i32;
  w: i32;
  m: i32;
  kh: i32;
  kw: i32;
  strideH: i32;
  strideW: i32;
  padTop: i32;
  padLeft: i32;
  dilationH: i32;
  dilationW: i32;
  group: i32;
  oh: i32;
  ow: i32;
  kPad: i32;
  lPad: i32;
  hp: i32;
  wp: i32;
  zx: i32;
  zy: i32;
  qmin: i32;
  qmax: i32;
}

// Qs8PotwGemmParams: QGemm with PoT weights: y[n][m] = requant(bias'[m] + sum_k x[n][k] * w[m][k]).
//
//  offset  field     type   meaning
//  ╒═════╤═════════╤══════╤══════════════════════════════════════════════════════════╕
//  │   0 │ input   │ ptr  │ x [n][k] int8                                             │
//  │   4 │ packed  │ ptr  │ packed potw weights (layout above, one group)             │
//  │   8 │ output  │ ptr  │ y [n][m] int8 (must not alias input)                      │
//  │  12 │ scratch │ ptr  │ >= kPad * 32 + 16 bytes                                   │
//  │  16 │ n       │ i32  │ batch (rows)                                              │
//  │  20 │ k       │ i32  │                                                           │
//  │  24 │ m       │ i32  │                                                           │
//  │  28 │ kPad    │ i32  │ k rounded up to POTW_KR                                   │
//  │  32 │ zy      │ i32  │ output zero point                                         │
//  │  36 │ qmin    │ i32  │                                                           │
//  │  40 │ qmax    │ i32  │                                                           │
//  ╘═════╧═════════╧══════╧══════════════════════════════════════════════════════════╛
//  sizeof = 44
@unmanaged
export class Qs8PotwGemmParams {
  input: usize;
  packed: usize;
  output: usize;
  scratch: usize;
  n: i32;
  k: i32;
  m: i32;
  kPad: i32;
  zy: i32;
  qmin: i32;
  qmax: i32;
}
