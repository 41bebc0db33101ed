// Power-of-two (shift-add) kernel params (ABI part of assembly/abi.ts; memory contract there).

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

// Packed potw weights (written once per layer by src/plan/pack-potw.ts):
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
