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
          s0 = i16x8.add(s0, v128.load(x));
          s1 = i16x8.add(s1, v128.load(x, 16));
          s2 = i16x8.add(s2, v128.load(x, 32));
          s3 = i16x8.add(s3, v128.load(x, 48));
        }
        for (; q < negEnd; q += 4) {
          const x = panel + <usize>load<i32>(q);
          s0 = i16x8.sub(s0, v128.load(x));
          s1 = i16x8.sub(s1, v128.load(x, 16));
          s2 = i16x8.sub(s2, v128.load(x, 32));
          s3 = i16x8.sub(s3, v128.load(x, 48));
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
 * Transposes the 8 x 8 int16 block r0..r7 (row t = pixel t, lanes = taps k0..k7) and stores
 * tap kk's 8 pixels at dst + kk * POTW_PANEL_ROW_BYTES.
 */
// @ts-ignore: decorator
@inline
export function qs8_potw_transpose8x8__wasmsimd(
  r0: v128, r1: v128, r2: v128, r3: v128, r4: v128, r5: v128, r6: v128, r7: v128, dst: usize,
): void {
  // 16-bit interleave: t0 = [r0k0 r1k0 r0k1 r1k1 r0k2 r1k2 r0k3 r1k3], t1 = the same for k4..k7
  const t0 = i16x8.shuffle(r0, r1, 0, 8, 1, 9, 2, 10, 3, 11), t1 = i16x8.shuffle(r0, r1, 4, 12, 5, 13, 6, 14, 7, 15);
  const t2 = i16x8.shuffle(r2, r3, 0, 8, 1, 9, 2, 10, 3, 11), t3 = i16x8.shuffle(r2, r3, 4, 12, 5, 13, 6, 14, 7, 15);
  const t4 = i16x8.shuffle(r4, r5, 0, 8, 1, 9, 2, 10, 3, 11), t5 = i16x8.shuffle(r4, r5, 4, 12, 5, 13, 6, 14, 7, 15);
  const t6 = i16x8.shuffle(r6, r7, 0, 8, 1, 9, 2, 10, 3, 11), t7 = i16x8.shuffle(r6, r7, 4, 12, 5, 13, 6, 14, 7, 15);
  // 32-bit interleave: u0 = [rows 0-3 of k0, rows 0-3 of k1], u1 = k2 k3, u2 = k4 k5, u3 = k6 k7
  const u0 = i32x4.shuffle(t0, t2, 0, 4, 1, 5), u1 = i32x4.shuffle(t0, t2, 2, 6, 3, 7);
  const u2 = i32x4.shuffle(t1, t3, 0, 4, 1, 5), u3 = i32x4.shuffle(t1, t3, 2, 6, 3, 7);
  const u4 = i32x4.shuffle(t4, t6, 0, 4, 1, 5), u5 = i32x4.shuffle(t4, t6, 2, 6, 3, 7);
  const u6 = i32x4.shuffle(t5, t7, 0, 4, 1, 5), u7 = i32x4.shuffle(t5, t7, 2, 6, 3, 7);
  // 64-bit: rows 0-3 and rows 4-7 of one tap
  const R = <usize>POTW_PANEL_ROW_BYTES;
  v128.store(dst, i64x2.shuffle(u0, u4, 0, 2));
  v128.store(dst + R, i64x2.shuffle(u0, u4, 1, 3));
  v128.store(dst + 2 * R, i64x2.shuffle(u1, u5, 0, 2));
  v128.store(dst + 3 * R, i64x2.shuffle(u1, u5, 1, 3));
  v128.store(dst + 4 * R, i64x2.shuffle(u2, u6, 0, 2));
  v128.store(dst + 5 * R, i64x2.shuffle(u2, u6, 1, 3));
  v128.store(dst + 6 * R, i64x2.shuffle(u3, u7, 0, 2));
  v128.store(dst + 7 * R, i64x2.shuffle(u3, u7, 1, 3));
}

/**
 * Panel columns c0 .. c0+7 from 8 rows of int8 (row t at src[t]), kPad taps: each row is read
 * 8 bytes at a time (up to 7 bytes past its K values: EXTRA_BYTES), sign-extended and transposed.
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
      v128.load8x8_s(s0 + o), v128.load8x8_s(s1 + o), v128.load8x8_s(s2 + o), v128.load8x8_s(s3 + o),
      v128.load8x8_s(s4 + o), v128.load8x8_s(s5 + o), v128.load8x8_s(s6 + o), v128.load8x8_s(s7 + o),
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
        p.kPad, panel + (<usize>c0 << 1),
      );
    }
    qs8_potw_panel__wasmsimd(
      panel, rows, p.packed + <usize>load<i32>(p.packed), p.m,
      p.output + <usize>r0 * <usize>p.m, <usize>p.m, p.zy, p.qmin, p.qmax,
    );
  }
}
