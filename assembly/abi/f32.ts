// F32Conv2dParams, the f32 im2col panel and F32Dwconv2dParams (ABI part of assembly/abi.ts; memory contract there).

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

// F32Dwconv2dParams: depthwise ONNX Conv (group == c == m: one kh x kw filter per channel),
// float32 NCHW, zero padding, optional bias. Each output is summed exactly as f32_conv2d sums it
// (b, or +0 without bias, then + w*x tap by tap in ascending ky, kx; a padded tap adds w * +0),
// so both kernels give the same bytes.
//
//  offset  field       type   meaning
//  ╒═════╤═══════════╤══════╤════════════════════════════════════════════════════════╕
//  │   0 │ input     │ ptr  │ x  [n][c][h][w]                                         │
//  │   4 │ weight    │ ptr  │ W  [c][kh][kw]                                          │
//  │   8 │ bias      │ ptr  │ b  [c], or 0 for no bias                                │
//  │  12 │ output    │ ptr  │ y  [n][c][oh][ow]   (must not alias input or weight)    │
//  │  16 │ scratch   │ ptr  │ one zero-padded input plane: >= hp * wp * 4 bytes       │
//  ├─────┼───────────┼──────┼────────────────────────────────────────────────────────┤
//  │  20 │ n         │ i32  │ batch                                                   │
//  │  24 │ c         │ i32  │ channels (= groups = output channels)                   │
//  │  28 │ h         │ i32  │ input height                                            │
//  │  32 │ w         │ i32  │ input width                                             │
//  │  36 │ kh        │ i32  │ kernel height                                           │
//  │  40 │ kw        │ i32  │ kernel width                                            │
//  │  44 │ strideH   │ i32  │                                                         │
//  │  48 │ strideW   │ i32  │                                                         │
//  │  52 │ padTop    │ i32  │ (padBottom / padRight are implied by oh / ow)           │
//  │  56 │ padLeft   │ i32  │                                                         │
//  │  60 │ dilationH │ i32  │                                                         │
//  │  64 │ dilationW │ i32  │                                                         │
//  │  68 │ oh        │ i32  │ output height                                           │
//  │  72 │ ow        │ i32  │ output width                                            │
//  ╘═════╧═══════════╧══════╧════════════════════════════════════════════════════════╛
//  sizeof = 76
//
// Padded plane in `scratch` (src/engine/kernel-specs.ts f32DwPlane has the same formulas):
//   hp = (oh - 1) * strideH + (kh - 1) * dilationH + 1 rows,
//   wp = (ceil(ow / 4) * 4 - 1) * strideW + (kw - 1) * dilationW + 2 columns (whole f32x4 groups
//        of outputs, and the one float past the last column that a stride-2 load pair reads);
//   plane[r][col] = x[r - padTop][col - padLeft] inside the input, +0 elsewhere.
@unmanaged
export class F32Dwconv2dParams {
  input: usize;
  weight: usize;
  bias: usize;
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
}

// F32RminmaxParams: the extremes of a float32 array, and whether every value is finite.
//
//  offset  field    type   meaning
//  ╒═════╤════════╤══════╤═══════════════════════════════════════════════════════════════╕
//  │   0 │ input  │ ptr  │ x [count]                                                      │
//  │   4 │ output │ ptr  │ 3 f32: min, max (+Inf / -Inf for no value), 0 if all finite    │
//  │   8 │ count  │ i32  │ elements, > 0                                                  │
//  ╘═════╧════════╧══════╧═══════════════════════════════════════════════════════════════╛
//  sizeof = 12
//
// min / max compare as f32 `<` / `>` (NaN never wins). The sign of a zero extreme is not
// specified (it depends on the lane order); the host takes it from the first zero of x.
// output[2] is the sum of x * 0: 0, or NaN once a NaN or an infinity is in x.
@unmanaged
export class F32RminmaxParams {
  input: usize;
  output: usize;
  count: i32;
}

// F32VclampParams: ONNX Clip on float32, y = x < lo ? lo : x > hi ? hi : x (NaN stays NaN, with
// its quiet bit set as a float64 round trip sets it; -0 stays -0). Needs lo <= hi, neither NaN.
//
//  offset  field    type   meaning
//  ╒═════╤════════╤══════╤═══════════════════════════════════════════════════════════════╕
//  │   0 │ input  │ ptr  │ x [count]                                                      │
//  │   4 │ output │ ptr  │ y [count] (may be input itself)                                │
//  │   8 │ bounds │ ptr  │ 2 f32: lo, hi                                                  │
//  │  12 │ count  │ i32  │ elements, > 0                                                  │
//  ╘═════╧════════╧══════╧═══════════════════════════════════════════════════════════════╛
//  sizeof = 16
@unmanaged
export class F32VclampParams {
  input: usize;
  output: usize;
  bounds: usize;
  count: i32;
}

// F32VreluParams: ONNX Relu on float32, y = x > 0 ? x : +0 (so NaN and -0 give +0).
//
//  offset  field    type   meaning
//  ╒═════╤════════╤══════╤═══════════════════════════════════════════════════════════════╕
//  │   0 │ input  │ ptr  │ x [count]                                                      │
//  │   4 │ output │ ptr  │ y [count] (may be input itself)                                │
//  │   8 │ count  │ i32  │ elements, > 0                                                  │
//  ╘═════╧════════╧══════╧═══════════════════════════════════════════════════════════════╛
//  sizeof = 12
@unmanaged
export class F32VreluParams {
  input: usize;
  output: usize;
  count: i32;
}

// F32Qs8ToNhwcParams: the host's quantize of the input, float32 NCHW images to int8 NHWC,
// y = clamp(roundHalfEven(f32(x / scale)) + zp, -128, 127): x / scale in float64, rounded to
// float32, then to the nearest integer, ties to even (the arithmetic of quantizeInput,
// src/runtime/edges.ts). Pixels [p0, p1) of each image; a non-finite x sets status[0] = 1 and
// status[1] = its bits (the rest of the call still runs; the host then reports it).
//
//  offset  field    type   meaning
//  ╒═════╤════════╤══════╤═══════════════════════════════════════════════════════════════╕
//  │   0 │ input  │ ptr  │ x [n][c][hw] f32                                               │
//  │   4 │ output │ ptr  │ y [n][hw][c] i8 (must not alias input)                         │
//  │   8 │ scale  │ ptr  │ 1 f64, > 0                                                     │
//  │  12 │ status │ ptr  │ 2 words: 1 and a non-finite x's bits, written only on one      │
//  │  16 │ n      │ i32  │ images                                                         │
//  │  20 │ c      │ i32  │ channels                                                       │
//  │  24 │ hw     │ i32  │ pixels per image                                               │
//  │  28 │ p0     │ i32  │ first pixel, 0 <= p0 < p1 <= hw                                │
//  │  32 │ p1     │ i32  │ end pixel                                                      │
//  │  36 │ zp     │ i32  │ zero point, -128..127                                          │
//  ╘═════╧════════╧══════╧═══════════════════════════════════════════════════════════════╛
//  sizeof = 40
@unmanaged
export class F32Qs8ToNhwcParams {
  input: usize;
  output: usize;
  scale: usize;
  status: usize;
  n: i32;
  c: i32;
  hw: i32;
  p0: i32;
  p1: i32;
  zp: i32;
}
