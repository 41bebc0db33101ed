// Params of the kernels issue 12 added (ABI part of assembly/abi.ts; semantics: src/ir/qgraph-ops.ts).

// Qs8AvgpoolParams: QAvgPool, int8 NHWC. Per output pixel, d = (rows of the window inside
// [cntLoH, cntHiH)) * (columns inside [cntLoW, cntHiW)); y = clamp(zy + requant(sum of the
// in-bounds (x - zx), mult[d-1], shift[d-1]), -128, 127), zy when d = 0.
//
//  offset  field     type   meaning
//  ╒═════╤═════════╤══════╤══════════════════════════════════════════════════════════╕
//  │   0 │ input   │ ptr  │ x [n][h][w][c]                                            │
//  │   4 │ output  │ ptr  │ y [n][oh][ow][c] (must not alias input)                   │
//  │   8 │ packed  │ ptr  │ i32 pairs (mult, shift) for d = 1 .. kh * kw              │
//  │  12 │ n       │ i32  │                                                           │
//  │  16 │ c .. ow │ i32  │ c, h, w, kh, kw, strideH, strideW, padTop, padLeft,       │
//  │     │         │      │ dilationH, dilationW, oh, ow                              │
//  │  68 │ zx, zy  │ i32  │                                                           │
//  │  76 │ cnt*    │ i32×4│ cntLoH, cntHiH, cntLoW, cntHiW                             │
//  ╘═════╧═════════╧══════╧══════════════════════════════════════════════════════════╛
//  sizeof = 92
@unmanaged
export class Qs8AvgpoolParams {
  input: usize;
  output: usize;
  packed: usize;
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
  cntLoH: i32;
  cntHiH: i32;
  cntLoW: i32;
  cntHiW: i32;
}

// X8LutParams: y[i] = table[x[i] + 128] for i < count; the table is 256 bytes at `packed`.
// output may alias input exactly (in place).
@unmanaged
export class X8LutParams {
  input: usize;
  output: usize;
  packed: usize;
  count: i32;
}

// X8ConcatParams: n * outer rows; output row r = in0 row r (len0 bytes), in1 row r, ...
// for the first `inputs` (1..4) inputs; the pointer fields of unused inputs are ignored.
@unmanaged
export class X8ConcatParams {
  in0: usize;
  in1: usize;
  in2: usize;
  in3: usize;
  output: usize;
  n: i32;
  outer: i32;
  inputs: i32;
  len0: i32;
  len1: i32;
  len2: i32;
  len3: i32;
}

// Qs8VmulParams: per image, y[i] = clamp(zy + requant((a[i] - za) * (b[i mod bSize] - zb),
// mult, shift), qmin, qmax) for i < size; bSize divides size. |product| <= 255^2: exact in i32.
@unmanaged
export class Qs8VmulParams {
  a: usize;
  b: usize;
  output: usize;
  n: i32;
  size: i32;
  bSize: i32;
  za: i32;
  zb: i32;
  zy: i32;
  mult: i32;
  shift: i32;
  qmin: i32;
  qmax: i32;
}

// Qs8SoftmaxParams: n * rows runs of k int8 values; per run (m its max, exp = 256 i32 at
// packed): S = sum exp[m - x], y = clamp(-128 + (256 * exp[m - x] + S / 2) / S, -128, 127)
// in unsigned integer division. k <= 32767, exp[d] <= 2^16: S < 2^31.
@unmanaged
export class Qs8SoftmaxParams {
  input: usize;
  output: usize;
  packed: usize;
  n: i32;
  rows: i32;
  k: i32;
}
