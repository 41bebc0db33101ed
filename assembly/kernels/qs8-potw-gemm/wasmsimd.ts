import {
  Qs8PotwGemmParams, POTW_CHANNEL_HEADER_BYTES, POTW_KR, POTW_PANEL_PIXELS, POTW_PANEL_ROW_BYTES,
} from "../../abi";
import { requantize } from "../../requant";
import { threadLocal } from "../../thread-local";

// qs8 x potw (power-of-two weights), SIMD128, shift-add: route 3 of docs/method.md ("bucket by
// exponent"), vectorised across POTW_PANEL_PIXELS = 32 output pixels (4 x i16x8 lanes).
// Per channel record (assembly/abi.ts): every segment is a signed sum of panel rows in int16
// lanes (one v128.load8x8_s of the int8 panel + one i16x8.add or sub per tap and 8 pixels, no
// shift, no multiply),
// sign-extended into 8 x i32x4 accumulators; between exponent levels the accumulators double
// (acc + acc: Horner's rule, the shift by the constant 1), so the runtime exponent never becomes
// a shift count: WebAssembly shifts all lanes by one scalar count, and V8 re-materialises a
// non-constant count for every shift. Integer sums are exact (bounds in abi.ts), so the bytes
// equal qs8_potw_panel__scalar's and the int8 kernel's on the decoded weights.
// The per-channel requantization (after the MAC loop) multiplies, as qs8-qc8w does: extmul by
// the channel's mult, add 2^(shift-1), shift right (requant4); that vector path needs shift >= 32
// (the quotient then fits an i32), smaller shifts take the scalar assembly/requant.ts path.
//
// Outputs: 16 channels x 32 pixels are staged and transposed 16 x 16 bytes, so each pixel gets
// 16 contiguous channel bytes (v128.store) instead of 16 v128.store8_lane; channel and pixel
// tails use lane stores. Routes and variants measured: the comment block at the top of
// assembly/kernels/qs8-potw-conv2d/wasmsimd.ts.

const SIMD_MIN_SHIFT: i32 = 32;
const TMP_STATIC = memory.data(POTW_PANEL_PIXELS * 4, 16);
/** Output channels transposed together (16 x 16 bytes) before they are stored. */
const STAGE_CHANNELS: i32 = 16;
/** The int8 outputs of STAGE_CHANNELS channels x 32 pixels (channel ch at + 32 * ch). */
const STAGE_STATIC = memory.data(STAGE_CHANNELS * POTW_PANEL_PIXELS, 16);

// zy + floor((a * mult + 2^(shift-1)) / 2^shift) for shift >= 32, as floor(floor(v / 2^32) /
// 2^(shift-32)): the high halves of the i64 lanes (a shuffle), then one i32x4.shr_s by
// shift - 32 (V8 lowers i64x2.shr_s to a multi-instruction sequence on x64 without AVX-512;
// i32x4.shr_s is one psrad). |v| < 2^62 + 2^61, so the high half is the exact floor.
// @ts-ignore: decorator
@inline
function requant4(a: v128, mv: v128, rv: v128, shift32: i32, zyv: v128): v128 {
  const lo = i64x2.add(i64x2.extmul_low_i32x4_s(a, mv), rv);
  const hi = i64x2.add(i64x2.extmul_high_i32x4_s(a, mv), rv);
  return i32x4.add(i32x4.shr_s(i32x4.shuffle(lo, hi, 1, 3, 5, 7), shift32), zyv);
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

// Interleaves of the low / high halves of two vectors, by 8-, 16-, 32- and 64-bit units.
// @ts-ignore: decorator
@inline function lo8(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23); }
// @ts-ignore: decorator
@inline function hi8(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31); }
// @ts-ignore: decorator
@inline function lo16(a: v128, b: v128): v128 { return i16x8.shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11); }
// @ts-ignore: decorator
@inline function hi16(a: v128, b: v128): v128 { return i16x8.shuffle(a, b, 4, 12, 5, 13, 6, 14, 7, 15); }
// @ts-ignore: decorator
@inline function lo32(a: v128, b: v128): v128 { return i32x4.shuffle(a, b, 0, 4, 1, 5); }
// @ts-ignore: decorator
@inline function hi32(a: v128, b: v128): v128 { return i32x4.shuffle(a, b, 2, 6, 3, 7); }
// @ts-ignore: decorator
@inline function lo64(a: v128, b: v128): v128 { return i64x2.shuffle(a, b, 0, 2); }
// @ts-ignore: decorator
@inline function hi64(a: v128, b: v128): v128 { return i64x2.shuffle(a, b, 1, 3); }

/**
 * 16 channels x 16 pixels of int8 at src (channel ch at src + 32 * ch) to 16 pixels x 16
 * channels: pixel i's 16 bytes at y + i * yStride. Four rounds of interleaves.
 */
// @ts-ignore: decorator
@inline
function transposeStore16(src: usize, y: usize, yStride: usize): void {
  const r0 = v128.load(src), r1 = v128.load(src, 32), r2 = v128.load(src, 64), r3 = v128.load(src, 96);
  const r4 = v128.load(src, 128), r5 = v128.load(src, 160), r6 = v128.load(src, 192), r7 = v128.load(src, 224);
  const r8 = v128.load(src, 256), r9 = v128.load(src, 288), r10 = v128.load(src, 320), r11 = v128.load(src, 352);
  const r12 = v128.load(src, 384), r13 = v128.load(src, 416), r14 = v128.load(src, 448), r15 = v128.load(src, 480);
  // channel pairs, pixels 0-7 (a*0) and 8-15 (a*1)
  const a00 = lo8(r0, r1), a01 = hi8(r0, r1), a20 = lo8(r2, r3), a21 = hi8(r2, r3);
  const a40 = lo8(r4, r5), a41 = hi8(r4, r5), a60 = lo8(r6, r7), a61 = hi8(r6, r7);
  const a80 = lo8(r8, r9), a81 = hi8(r8, r9), aa0 = lo8(r10, r11), aa1 = hi8(r10, r11);
  const ac0 = lo8(r12, r13), ac1 = hi8(r12, r13), ae0 = lo8(r14, r15), ae1 = hi8(r14, r15);
  // channel quads, pixels 0-3, 4-7, 8-11, 12-15
  const b00 = lo16(a00, a20), b01 = hi16(a00, a20), b02 = lo16(a01, a21), b03 = hi16(a01, a21);
  const b40 = lo16(a40, a60), b41 = hi16(a40, a60), b42 = lo16(a41, a61), b43 = hi16(a41, a61);
  const b80 = lo16(a80, aa0), b81 = hi16(a80, aa0), b82 = lo16(a81, aa1), b83 = hi16(a81, aa1);
  const bc0 = lo16(ac0, ae0), bc1 = hi16(ac0, ae0), bc2 = lo16(ac1, ae1), bc3 = hi16(ac1, ae1);
  // channels 0-7 (c*) and 8-15 (d*) of pixel pairs 0-1, 2-3, ..., 14-15
  const c0 = lo32(b00, b40), c1 = hi32(b00, b40), c2 = lo32(b01, b41), c3 = hi32(b01, b41);
  const c4 = lo32(b02, b42), c5 = hi32(b02, b42), c6 = lo32(b03, b43), c7 = hi32(b03, b43);
  const d0 = lo32(b80, bc0), d1 = hi32(b80, bc0), d2 = lo32(b81, bc1), d3 = hi32(b81, bc1);
  const d4 = lo32(b82, bc2), d5 = hi32(b82, bc2), d6 = lo32(b83, bc3), d7 = hi32(b83, bc3);
  let d = y;
  v128.store(d, lo64(c0, d0)); d += yStride;
  v128.store(d, hi64(c0, d0)); d += yStride;
  v128.store(d, lo64(c1, d1)); d += yStride;
  v128.store(d, hi64(c1, d1)); d += yStride;
  v128.store(d, lo64(c2, d2)); d += yStride;
  v128.store(d, hi64(c2, d2)); d += yStride;
  v128.store(d, lo64(c3, d3)); d += yStride;
  v128.store(d, hi64(c3, d3)); d += yStride;
  v128.store(d, lo64(c4, d4)); d += yStride;
  v128.store(d, hi64(c4, d4)); d += yStride;
  v128.store(d, lo64(c5, d5)); d += yStride;
  v128.store(d, hi64(c5, d5)); d += yStride;
  v128.store(d, lo64(c6, d6)); d += yStride;
  v128.store(d, hi64(c6, d6)); d += yStride;
  v128.store(d, lo64(c7, d7)); d += yStride;
  v128.store(d, hi64(c7, d7));
}

/** Same contract as qs8_potw_panel__scalar (panel of 32 int16 pixels per tap, channel records, int8 out). */
export function qs8_potw_panel__wasmsimd(
  panel: usize, cols: i32, rec: usize, mg: i32,
  y: usize, yStride: usize, zy: i32, qmin: i32, qmax: i32,
): void {
  const STAGE = threadLocal(STAGE_STATIC);
  const TMP = threadLocal(TMP_STATIC);
  const zyv = i32x4.splat(zy);
  const qminv = i8x16.splat(<i8>qmin);
  const qmaxv = i8x16.splat(<i8>qmax);
  const full = cols == POTW_PANEL_PIXELS;
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
    let c0: v128, c1: v128; // the channel's int8 outputs for pixels 0-15 and 16-31
    if (shift >= SIMD_MIN_SHIFT) {
      const mv = v128.load32_splat(rec, 4);
      const rv = v128.load64_splat(rec, 16);
      const s32 = shift - 32;
      const b0 = i8x16.narrow_i16x8_s(
        i16x8.narrow_i32x4_s(requant4(a0, mv, rv, s32, zyv), requant4(a1, mv, rv, s32, zyv)),
        i16x8.narrow_i32x4_s(requant4(a2, mv, rv, s32, zyv), requant4(a3, mv, rv, s32, zyv)),
      );
      const b1 = i8x16.narrow_i16x8_s(
        i16x8.narrow_i32x4_s(requant4(a4, mv, rv, s32, zyv), requant4(a5, mv, rv, s32, zyv)),
        i16x8.narrow_i32x4_s(requant4(a6, mv, rv, s32, zyv), requant4(a7, mv, rv, s32, zyv)),
      );
      c0 = i8x16.min_s(i8x16.max_s(b0, qminv), qmaxv);
      c1 = i8x16.min_s(i8x16.max_s(b1, qminv), qmaxv);
    } else {
      v128.store(TMP, a0); v128.store(TMP, a1, 16); v128.store(TMP, a2, 32); v128.store(TMP, a3, 48);
      v128.store(TMP, a4, 64); v128.store(TMP, a5, 80); v128.store(TMP, a6, 96); v128.store(TMP, a7, 112);
      const mult = load<i32>(rec, 4);
      for (let i = 0; i < POTW_PANEL_PIXELS; i++) {
        store<i8>(TMP + <usize>i, <i8>requantize(load<i32>(TMP + (<usize>i << 2)), mult, shift, zy, qmin, qmax));
      }
      c0 = v128.load(TMP);
      c1 = v128.load(TMP, 16);
    }
    const jb = j & (STAGE_CHANNELS - 1);
    if (full && j - jb + STAGE_CHANNELS <= mg) {
      // a whole block of 16 channels: stage, then store 16 contiguous bytes per pixel
      const st = STAGE + (<usize>jb << 5);
      v128.store(st, c0);
      v128.store(st, c1, 16);
      if (jb == STAGE_CHANNELS - 1) {
        const yb = y + <usize>(j - jb);
        transposeStore16(STAGE, yb, yStride);
        transposeStore16(STAGE + 16, yb + (yStride << 4), yStride);
      }
    } else if (full) {
      storeColumn16(y + <usize>j, yStride, c0);
      storeColumn16(y + <usize>j + (yStride << 4), yStride, c1);
    } else {
      v128.store(TMP, c0);
      v128.store(TMP, c1, 16);
      for (let i = 0; i < cols; i++) store<i8>(y + <usize>j + <usize>i * yStride, load<i8>(TMP + <usize>i));
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
