// Depthwise conv kernel params (ABI part of assembly/abi.ts; memory contract there).

// ─── qs8-qc8w-dwconv: depthwise conv, channels in the SIMD lanes ────────────────────────────
// QConv with group == c == m (channel multiplier 1), int8 NHWC. Channels are processed
// DW_CR = 16 at a time (one i8x16 of input); taps in pairs, so that i32x4.dot_i16x8_s sums
// two taps of one channel per lane: the input of taps t and t+1 is interleaved in int16, and
// the weights are stored in that interleaved order. An odd tap count gets a tap of weight 0.
// Out-of-image taps read a zx-filled row (scratch), which bias' cancels (as in qc8w).

/** Channels per group (lanes of the SIMD kernel). */
export const DW_CR: i32 = 16;
/** Bytes of one channel group's header (below). */
export const DW_GROUP_HEADER_BYTES: i32 = 272;

// Packed dwconv weights (written once per layer by src/plan/pack-dwconv.ts):
//
//   ┌──────────────────────────────────────┐
//   │ header of group 0 .. groups - 1      │ groups = ceil(c / 16), DW_GROUP_HEADER_BYTES each
//   ├──────────────────────────────────────┤
//   │ weights of group 0 .. groups - 1     │ tPad * 16 weights per group, wBytes each (or codes)
//   └──────────────────────────────────────┘
//
// Group header (lane j = channel 16 g + j; lanes past c hold bias' 0, mult 0, pow2d 1):
//   offset  content
//   ┌──────┬─────────────────────────────────────────────────────────────────────────────┐
//   │    0 │ bias'  i32 x 16: bias - zx * sum_t w[t]                                      │
//   │   64 │ mult   i32 x 16                                                              │
//   │  128 │ pow2d  i32 x 16: 2^(S - shift)                                               │
//   │  192 │ shift  i32 x 16 (1..62)                                                      │
//   │  256 │ S      i32: the group's common shift (the largest), or 0: requantize lane by │
//   │      │        lane (assembly/requant.ts). S != 0 only when S >= 32 and, for every   │
//   │      │        channel, |acc| * 2^(S - shift) < 2^31 for any input (host-checked).   │
//   │  260 │ (unused, 0) x 3                                                              │
//   └──────┴─────────────────────────────────────────────────────────────────────────────┘
//   With S != 0 the SIMD kernel computes (acc * pow2d * mult + 2^(S-1)) >> S, which equals
//   (acc * mult + 2^(shift-1)) >> shift exactly (numerator and denominator times 2^(S-shift)),
//   with one shift for all lanes (wasm SIMD has no per-lane shift).
//
// Weights: taps t = ky * kw + kx, tPad = taps rounded up to even; weight of tap t, lane j of
// group g at element g * tPad * 16 + (t >> 1) * 32 + 2 * j + (t & 1); taps >= taps hold 0.
// Codes (codeBits 4, 5; 8: int8): the weights region holds the codes of its count =
// groups * tPad * 16 weights in the same order, as one run of assembly/kernels/qs8-pot-unpack
// (nibbles, then the sign plane for 5-bit), unpacked per call into `unpacked` as int16.

// Qs8Qc8wDwconvParams: depthwise QConv over a batch.
//
//  offset  field       type   meaning
//  ╒═════╤═══════════╤══════╤════════════════════════════════════════════════════════╕
//  │   0 │ input     │ ptr  │ x  [n][h][w][c] int8                                    │
//  │   4 │ packed    │ ptr  │ headers then weights (layout above)                     │
//  │   8 │ output    │ ptr  │ y  [n][oh][ow][c] int8 (must not alias input)           │
//  │  12 │ scratch   │ ptr  │ >= cPad + 8 * tPad bytes: zx row, tap pointers, offsets │
//  │  16 │ n         │ i32  │ batch                                                   │
//  │  20 │ c         │ i32  │ channels (= group = output channels)                    │
//  │  24 │ h         │ i32  │                                                         │
//  │  28 │ w         │ i32  │                                                         │
//  │  32 │ kh        │ i32  │                                                         │
//  │  36 │ kw        │ i32  │                                                         │
//  │  40 │ strideH   │ i32  │                                                         │
//  │  44 │ strideW   │ i32  │                                                         │
//  │  48 │ padTop    │ i32  │                                                         │
//  │  52 │ padLeft   │ i32  │                                                         │
//  │  56 │ dilationH │ i32  │                                                         │
//  │  60 │ dilationW │ i32  │                                                         │
//  │  64 │ oh        │ i32  │                                                         │
//  │  68 │ ow        │ i32  │                                                         │
//  │  72 │ zx        │ i32  │ input zero point (the padding value; bias' folds it)   │
//  │  76 │ zy        │ i32  │                                                         │
//  │  80 │ qmin      │ i32  │                                                         │
//  │  84 │ qmax      │ i32  │                                                         │
//  │  88 │ wBytes    │ i32  │ 1 or 2 (codeBits 0)                                     │
//  │  92 │ codeBits  │ i32  │ 0: weights in place; 4, 5: PoT codes; 8: int8, unpacked │
//  │  96 │ unpacked  │ ptr  │ codes only: >= groups * tPad * 16 * 2 bytes             │
//  ╘═════╧═══════════╧══════╧════════════════════════════════════════════════════════╛
//  sizeof = 100
@unmanaged
export class Qs8Qc8wDwconvParams {
  input: usize;
  packed: usize;
  output: usize;
  scratch: usize;
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
  zx: i32;
  zy: i32;
  qmin: i32;
  qmax: i32;
  wBytes: i32;
  codeBits: i32;
  unpacked: usize;
}
