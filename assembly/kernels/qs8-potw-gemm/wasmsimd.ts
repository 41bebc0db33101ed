import {
  Qs8PotwGemmParams, POTW_CHANNEL_HEADER_BYTES, POTW_KR, POTW_PANEL_PIXELS, POTW_PANEL_ROW_BYTES,
} from "../../abi";
import { requantize } from "../../requant";

// qs8 x potw (power-of-two weights), SIMD128, shift-add: route 3 of docs/method.md ("bucket by
// exponent"), vectorised across POTW_PANEL_PIXELS = 32 output pixels (4 x i16x8 lanes).
// Per channel record (assembly/abi.ts): every segment is a signed sum of panel rows in int16
// lanes (one v128.load + one i16x8.add or sub per tap and 8 pixels, no shift, no multiply),
// sign-extended into 8 x i32x4 accumulators; between exponent levels the accumulators double
// (acc + acc: Horner's rule, the shift by the constant 1), so the runtime exponent never becomes
// a shift count: WebAssembly shifts all lanes by one scalar count, and V8 re-materialises a
// non-constant count for every shift. Integer sums are exact (bounds in abi.ts), so the bytes
// equal qs8_potw_panel__scalar's and the int8 kernel's on the decoded weights.
// The per-channel requantization (after the MAC loop) multiplies, as qs8-qc8w does: extmul by
// the channel's mult, add 2^(shift-1), i64x2.shr_s; that vector path needs shift >= 32 (the
// quotient then fits an i32), smaller shifts take the scalar assembly/requant.ts path.
//
// Measured routes (bench/kernels/qs8-potw-conv2d.bench.ts has the full table): see the comment
// block at the top of assembly/kernels/qs8-potw-conv2d/wasmsimd.ts.

const SIMD_MIN_SHIFT: i32 = 32;
const TMP = memory.data(POTW_PANEL_PIXELS * 4, 16);

// @ts-ignore: decorator
@inline
function requant4(a: v128, mv: v128, rv: v128, shift: i32, zyv: v128): v128 {
  const lo = i64x2.shr_s(i64x2.add(i64x2.extmul_low_i32x4_s(a, mv), rv), shift);
  const hi = i64x2.shr_s(i64x2.add(i64x2.extmul_high_i32x4_s(a, mv), rv), shift);
  return i32x4.add(i32x4.shuffle(lo, hi, 0, 2, 4, 6), zyv); // low halves: the quotient fits an i32
}

// Stores the 16 bytes of b at d, d + s, ..., d + 15 s (one output channel of 16 pixels).
// @ts-ignore: decorator
@inline
function storeColumn16(d: usize, s: usize, b: v128): void {
  v128.store8_lane(d, b, 0); d += s;
  v128.store8_lane(d, b, 1); d += s;
  v128.store8_lane(d, b, 2); d += s;
  v128.store8_lane(d, b, 3); d += s;
  v128.store8_lane(d, b, 4); d += s;
  v128.store8_lane(d, b, 5); d += s;
  v128.store8_lane(d, b, 6); d += s;
  v128.store8_lane(d, b, 7); d += s;
  v128.store8_lane(d, b, 8); d += s;
  v128.store8_lane(d, b, 9); d += s;
  v128.store8_lane(d, b, 10); d += s;
  v128.store8_lane(d, b, 11); d += s;
  v128.store8_lane(d, b, 12); d += s;
  v128.store8_lane(d, b, 13); d += s;
  v128.store8_lane(d, b, 14); d += s;
  v128.store8_lane(d, b, 15);
}

/** Same contract as qs8_potw_panel__scalar (panel of 32 int16 pixels per tap, channel records, int8 out). */
export function qs8_potw_panel__wasmsimd(
  panel: usize, cols: i32, rec: usize, mg: i32,
  y: usize, yStride: usize, zy: i32, qmin: i32, qmax: i32,
): void {
  const zyv = i32x4.splat(zy);
  const qminv = i8x16.splat(<i8>qmin);
  const qmaxv = i8x16.splat(<i8>qmax);
  for (let j = 0; j < mg; j++) {
    const levels = load<i32>(rec, 12);
    let q = rec + POTW_CHANNEL_HEADER_BYTES;
    let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (let l = 0; l < levels; l++) {
      a0 = i32x4.add(a0, a0); a1 = i32x4.add(a1, a1); a2 = i32x4.add(a2, a2); a3 = i32x4.add(a3, a3);
      a4 = i32x4.add(a4, a4); a5 = i32x4.add(a5, a5); a6 = i32x4.add(a6, a6); a7 = i32x4.add(a7, a7);
      let nseg = load<i32>(q);
      q += 4;
      for (; nseg > 0; nseg--) {
        const posEnd = q + 8 + (<usize>load<i32>(q) << 2);
        const negEnd = posEnd + (<usize>load<i32>(q, 4) << 2);
        q += 8;
        let s0 = i16x8.splat(0), s1 = s0, s2 = s0, s3 = s0;
        for (; q < posEnd; q += 4) {
          const x = panel + <usize>load<i32>(q);
          s0 = i16x8.add(s0, v128.load8x8_s(x));
          s1 = i16x8.add(s1, v128.load8x8_s(x, 8));
          s2 = i16x8.add(s2, v128.load8x8_s(x, 16));
          s3 = i16x8.add(s3, v128.load8x8_s(x, 24));
        }
        for (; q < negEnd; q += 4) {
          const x = panel + <usize>load<i32>(q);
          s0 = i16x8.sub(s0, v128.load8x8_s(x));
          s1 = i16x8.sub(s1, v128.load8x8_s(x, 8));
          s2 = i16x8.sub(s2, v128.load8x8_s(x, 16));
          s3 = i16x8.sub(s3, v128.load8x8_s(x, 24));
        }
        a0 = i32x4.add(a0, i32x4.extend_low_i16x8_s(s0)); a1 = i32x4.add(a1, i32x4.extend_high_i16x8_s(s0));
        a2 = i32x4.add(a2, i32x4.extend_low_i16x8_s(s1)); a3 = i32x4.add(a3, i32x4.extend_high_i16x8_s(s1));
        a4 = i32x4.add(a4, i32x4.extend_low_i16x8_s(s2)); a5 = i32x4.add(a5, i32x4.extend_high_i16x8_s(s2));
        a6 = i32x4.add(a6, i32x4.extend_low_i16x8_s(s3)); a7 = i32x4.add(a7, i32x4.extend_high_i16x8_s(s3));
      }
    }
    const bv = v128.load32_splat(rec);
    a0 = i32x4.add(a0, bv); a1 = i32x4.add(a1, bv); a2 = i32x4.add(a2, bv); a3 = i32x4.add(a3, bv);
    a4 = i32x4.add(a4, bv); a5 = i32x4.add(a5, bv); a6 = i32x4.add(a6, bv); a7 = i32x4.add(a7, bv);
    const shift = load<i32>(rec, 8);
    const yj = y + <usize>j;
    if (shift >= SIMD_MIN_SHIFT) {
      const mv = v128.load32_splat(rec, 4);
      const rv = v128.load64_splat(rec, 16);
      const b0 = i8x16.narrow_i16x8_s(
        i16x8.narrow_i32x4_s(requant4(a0, mv, rv, shift, zyv), requant4(a1, mv, rv, shift, zyv)),
        i16x8.narrow_i32x4_s(requant4(a2, mv, rv, shift, zyv), requant4(a3, mv, rv, shift, zyv)),
      );
      const b1 = i8x16.narrow_i16x8_s(
        i16x8.narrow_i32x4_s(requant4(a4, mv, rv, shift, zyv), requant4(a5, mv, rv, shift, zyv)),
        i16x8.narrow_i32x4_s(requant4(a6, mv, rv, shift, zyv), requant4(a7, mv, rv, shift, zyv)),
      );
      const c0 = i8x16.min_s(i8x16.max_s(b0, qminv), qmaxv);
      const c1 = i8x16.min_s(i8x16.max_s(b1, qminv), qmaxv);
      if (cols == POTW_PANEL_PIXELS) {
        storeColumn16(yj, yStride, c0);
        storeColumn16(yj + (yStride << 4), yStride, c1);
      } else {
        v128.store(TMP, c0);
        v128.store(TMP, c1, 16);
        for (let i = 0; i < cols; i++) store<i8>(yj + <usize>i * yStride, load<i8>(TMP + <usize>i));
      }
    } else {
      v128.store(TMP, a0); v128.store(TMP, a1, 16); v128.store(TMP, a2, 32); v128.store(TMP, a3, 48);
      v128.store(TMP, a4, 64); v128.store(TMP, a5, 80); v128.store(TMP, a6, 96); v128.store(TMP, a7, 112);
      const mult = load<i32>(rec, 4);
      for (let i = 0; i < cols; i++) {
        store<i8>(yj + <usize>i * yStride, <i8>requantize(load<i32>(TMP + (<usize>i << 2)), mult, shift, zy, qmin, qmax));
      }
    }
    rec = q;
  }
}

/**
 * Transposes the 8 x 8 int8 block held as a = [row 0 | row 1], b = [row 2 | row 3],
 * c = [row 4 | row 5], d = [row 6 | row 7] (row t = pixel t, 8 taps each) and stores tap kk's
 * 8 pixels at dst + kk * POTW_PANEL_ROW_BYTES: three rounds of interleaves (8-, 16-, 32-bit).
 */
// @ts-ignore: decorator
@inline
export function qs8_potw_transpose8x8__wasmsimd(a: v128, b: v128, c: v128, d: v128, dst: usize): void {
  // (row 2i, row 2i+1) byte pairs per tap: a1 = [r0k0 r1k0 r0k1 r1k1 ... r0k7 r1k7]
  const a1 = i8x16.shuffle(a, a, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
  const b1 = i8x16.shuffle(b, b, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
  const c1 = i8x16.shuffle(c, c, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
  const d1 = i8x16.shuffle(d, d, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
  // rows 0-3 per tap: ab0 = taps 0..3, ab1 = taps 4..7 (4 bytes each); cd: rows 4-7
  const ab0 = i16x8.shuffle(a1, b1, 0, 8, 1, 9, 2, 10, 3, 11), ab1 = i16x8.shuffle(a1, b1, 4, 12, 5, 13, 6, 14, 7, 15);
  const cd0 = i16x8.shuffle(c1, d1, 0, 8, 1, 9, 2, 10, 3, 11), cd1 = i16x8.shuffle(c1, d1, 4, 12, 5, 13, 6, 14, 7, 15);
  // rows 0-7 of two taps per vector
  const k01 = i32x4.shuffle(ab0, cd0, 0, 4, 1, 5), k23 = i32x4.shuffle(ab0, cd0, 2, 6, 3, 7);
  const k45 = i32x4.shuffle(ab1, cd1, 0, 4, 1, 5), k67 = i32x4.shuffle(ab1, cd1, 2, 6, 3, 7);
  const R = <usize>POTW_PANEL_ROW_BYTES;
  v128.store64_lane(dst, k01, 0);
  v128.store64_lane(dst + R, k01, 1);
  v128.store64_lane(dst + 2 * R, k23, 0);
  v128.store64_lane(dst + 3 * R, k23, 1);
  v128.store64_lane(dst + 4 * R, k45, 0);
  v128.store64_lane(dst + 5 * R, k45, 1);
  v128.store64_lane(dst + 6 * R, k67, 0);
  v128.store64_lane(dst + 7 * R, k67, 1);
}

/** Two 8-byte rows in one vector: [p[0..7] | q[0..7]]. */
// @ts-ignore: decorator
@inline
export function qs8_potw_load_pair__wasmsimd(p: usize, q: usize): v128 {
  return v128.load64_lane(q, v128.load64_zero(p), 1);
}

/**
 * Panel columns c0 .. c0+7 from 8 rows of int8 (row t at src[t]), kPad taps: each row is read
 * 8 bytes at a time (up to 7 bytes past its K values: EXTRA_BYTES) and transposed.
 */
// @ts-ignore: decorator
@inline
function transposeRowsI8(
  s0: usize, s1: usize, s2: usize, s3: usize, s4: usize, s5: usize, s6: usize, s7: usize,
  kPad: i32, dst: usize,
): void {
  for (let k = 0; k < kPad; k += POTW_KR) {
    const o = <usize>k;
    qs8_potw_transpose8x8__wasmsimd(
      qs8_potw_load_pair__wasmsimd(s0 + o, s1 + o), qs8_potw_load_pair__wasmsimd(s2 + o, s3 + o),
      qs8_potw_load_pair__wasmsimd(s4 + o, s5 + o), qs8_potw_load_pair__wasmsimd(s6 + o, s7 + o),
      dst + o * POTW_PANEL_ROW_BYTES,
    );
  }
}

// QGemm with PoT weights over a batch: each panel of 32 input rows is transposed into the
// panel 8 rows at a time (rows past n repeat row n - 1: their outputs are never stored).
export function qs8_potw_gemm_minmax__wasmsimd(p: Qs8PotwGemmParams): void {
  const panel = p.scratch;
  const k = <usize>p.k;
  const last = p.input + <usize>(p.n - 1) * k;
  for (let r0 = 0; r0 < p.n; r0 += POTW_PANEL_PIXELS) {
    const rows = min(POTW_PANEL_PIXELS, p.n - r0);
    for (let c0 = 0; c0 < rows; c0 += POTW_KR) {
      const s = p.input + <usize>(r0 + c0) * k;
      transposeRowsI8(
        s, min(s + k, last), min(s + 2 * k, last), min(s + 3 * k, last),
        min(s + 4 * k, last), min(s + 5 * k, last), min(s + 6 * k, last), min(s + 7 * k, last),
        p.kPad, panel + <usize>c0,
      );
    }
    qs8_potw_panel__wasmsimd(
      panel, rows, p.packed + <usize>load<i32>(p.packed), p.m,
      p.output + <usize>r0 * <usize>p.m, <usize>p.m, p.zy, p.qmin, p.qmax,
    );
  }
}
