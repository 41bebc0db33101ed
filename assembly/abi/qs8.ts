// int8 kernel params (ABI part of assembly/abi.ts; memory contract there).

// ─── int8 kernels ────────────────────────────────────────────────────────────────────────
// Activations are int8 NHWC ([n][h][w][c]); all quantization constants come from the host
// (src/plan/pack-*.ts, src/engine/engine.ts), kernels only apply them (rounding: assembly/requant.ts).

/** Output channels per packed weight block of the qs8-qc8w GEMM (and conv) micro-kernel. */
export const QS8_GEMM_NR: i32 = 4;
/** Rows (output pixels) per pass of the GEMM micro-kernel: each weight load feeds MR rows. */
export const QS8_GEMM_MR: i32 = 2;
/** The reduction dimension K is padded with zero weights to a multiple of this (one i16x8). */
export const QS8_GEMM_KR: i32 = 8;
/** Bytes of the header that precedes each block's weights (see the packed layout below). */
export const QS8_BLOCK_HEADER_BYTES: i32 = 96;
/** Shift of the padding channels of a block (never stored; >= 32 keeps the SIMD fast path). */
export const QS8_PAD_CHANNEL_SHIFT: i32 = 32;
/** Spare bytes after a row buffer or panel in `scratch`: the SIMD gathers write up to 7 int16 past a row. */
export const ROW_BUFFER_SLACK: i32 = 16;

// Packed qc8w weights (written once per layer by src/plan/pack-qc8w.ts):
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
