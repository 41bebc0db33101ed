import { Qs8Qc8wGemmParams, QS8_BLOCK_HEADER_BYTES, QS8_GEMM_KR, QS8_GEMM_NR } from "../../abi";
import { requantize } from "../../requant";
import { qs8_pot_unpack__wasmsimd } from "../qs8-pot-unpack/wasmsimd";
import { threadLocal } from "../../thread-local";

// qs8 x qc8w GEMM, SIMD128: i32x4.dot_i16x8_s of int16 rows and int16 weights (int8 weights
// W = i8 are widened as they are loaded, v128.load8x8_s, so the resident weights take one byte
// each), register block
// NR = 4 channels x MR = 2 rows (8 i32x4 accumulators; every weight load feeds two rows).
// Rows are int16 (extended once, when gathered) rather than int8 extended in the loop by
// v128.load8x8_s: measured 3-7 % faster on the ResNet-20 shapes; unrolling the K loop by two
// chunks measured 10-30 % slower.
// Integer sums are exact in any order, so the bytes equal qs8_qc8w_gemm_rows__scalar's.
// Requantization: the four channels' accumulators are reduced to [c0p0 c0p1 c1p0 c1p1],
// [c2p0 c2p1 c3p0 c3p1], so each i64x2 half holds ONE channel (one shift) for both rows:
// extmul by the channel's mult, add 2^(shift-1), i64x2.shr_s. That vector path needs
// |result| < 2^31, guaranteed when every shift of the block is >= 32; blocks with a smaller
// shift take the scalar assembly/requant.ts path.
// see: XNNPACK src/qs8-gemm/gen/qs8-gemm-2x4c8-minmax-fp32-wasmsimd-dot16x2-ld128.c

const SIMD_MIN_SHIFT: i32 = 32;
const TMP_STATIC = memory.data(32, 16);

/** Same contract as qs8_qc8w_gemm_rows__scalar (rows of kPad int16, packed blocks, int8 out). */
export function qs8_qc8w_gemm_rows__wasmsimd<W>(
  a: usize, aStride: usize, rows: i32,
  packed: usize, mValid: i32, kPad: i32,
  y: usize, yStride: usize, zy: i32, qmin: i32, qmax: i32,
): void {
  const TMP = threadLocal(TMP_STATIC);
  const wBytes = <usize>(kPad * QS8_GEMM_NR * sizeof<W>());
  const blockBytes = <usize>QS8_BLOCK_HEADER_BYTES + wBytes;
  const zyv = i32x4.splat(zy);
  const qminv = i8x16.splat(<i8>qmin);
  const qmaxv = i8x16.splat(<i8>qmax);
  for (let m0 = 0, blk = packed; m0 < mValid; m0 += QS8_GEMM_NR, blk += blockBytes) {
    const nc = min(QS8_GEMM_NR, mValid - m0);
    const s0 = load<i32>(blk, 48), s1 = load<i32>(blk, 52), s2 = load<i32>(blk, 56), s3 = load<i32>(blk, 60);
    const fast = min(min(s0, s1), min(s2, s3)) >= SIMD_MIN_SHIFT;
    const w0 = blk + QS8_BLOCK_HEADER_BYTES;
    const wEnd = w0 + wBytes;
    for (let r = 0; r < rows; r += 2) {
      const pa0 = a + <usize>r * aStride;
      const two = r + 1 < rows;
      let pa1 = two ? pa0 + aStride : pa0;
      let pa = pa0;
      let wp = w0;
      let a00 = i32x4.splat(0), a01 = a00, a10 = a00, a11 = a00;
      let a20 = a00, a21 = a00, a30 = a00, a31 = a00;
      while (wp < wEnd) {
        const x0 = v128.load(pa);
        const x1 = v128.load(pa1);
        if (sizeof<W>() == 1) {
          // v128.load8x8_s: one load-and-widen per 8 weights (x86: pmovsxbw from memory)
          const wa = v128.load8x8_s(wp);
          a00 = i32x4.add(a00, i32x4.dot_i16x8_s(x0, wa));
          a01 = i32x4.add(a01, i32x4.dot_i16x8_s(x1, wa));
          const wb = v128.load8x8_s(wp, 8);
          a10 = i32x4.add(a10, i32x4.dot_i16x8_s(x0, wb));
          a11 = i32x4.add(a11, i32x4.dot_i16x8_s(x1, wb));
          const wc = v128.load8x8_s(wp, 16);
          a20 = i32x4.add(a20, i32x4.dot_i16x8_s(x0, wc));
          a21 = i32x4.add(a21, i32x4.dot_i16x8_s(x1, wc));
          const wd = v128.load8x8_s(wp, 24);
          a30 = i32x4.add(a30, i32x4.dot_i16x8_s(x0, wd));
          a31 = i32x4.add(a31, i32x4.dot_i16x8_s(x1, wd));
        } else {
          const wa = v128.load(wp);
          a00 = i32x4.add(a00, i32x4.dot_i16x8_s(x0, wa));
          a01 = i32x4.add(a01, i32x4.dot_i16x8_s(x1, wa));
          const wb = v128.load(wp, 16);
          a10 = i32x4.add(a10, i32x4.dot_i16x8_s(x0, wb));
          a11 = i32x4.add(a11, i32x4.dot_i16x8_s(x1, wb));
          const wc = v128.load(wp, 32);
          a20 = i32x4.add(a20, i32x4.dot_i16x8_s(x0, wc));
          a21 = i32x4.add(a21, i32x4.dot_i16x8_s(x1, wc));
          const wd = v128.load(wp, 48);
          a30 = i32x4.add(a30, i32x4.dot_i16x8_s(x0, wd));
          a31 = i32x4.add(a31, i32x4.dot_i16x8_s(x1, wd));
        }
        pa += 16;
        pa1 += 16;
        wp += 32 * sizeof<W>();
      }
      // Horizontal sums: t = [c0p0 c0p1 c1p0 c1p1] (+ bias pairs), u = [c2p0 c2p1 c3p0 c3p1].
      const t0 = i32x4.add(i32x4.shuffle(a00, a01, 0, 4, 1, 5), i32x4.shuffle(a00, a01, 2, 6, 3, 7));
      const t1 = i32x4.add(i32x4.shuffle(a10, a11, 0, 4, 1, 5), i32x4.shuffle(a10, a11, 2, 6, 3, 7));
      const t2 = i32x4.add(i32x4.shuffle(a20, a21, 0, 4, 1, 5), i32x4.shuffle(a20, a21, 2, 6, 3, 7));
      const t3 = i32x4.add(i32x4.shuffle(a30, a31, 0, 4, 1, 5), i32x4.shuffle(a30, a31, 2, 6, 3, 7));
      const t = i32x4.add(
        i32x4.add(i32x4.shuffle(t0, t1, 0, 1, 4, 5), i32x4.shuffle(t0, t1, 2, 3, 6, 7)),
        v128.load(blk),
      );
      const u = i32x4.add(
        i32x4.add(i32x4.shuffle(t2, t3, 0, 1, 4, 5), i32x4.shuffle(t2, t3, 2, 3, 6, 7)),
        v128.load(blk, 16),
      );
      const y0 = y + <usize>r * yStride + <usize>m0;
      if (fast) {
        // extmul_low / _high read lanes 0-1 / 2-3 of the splat: the channel's mult twice
        const q0 = i64x2.shr_s(i64x2.add(i64x2.extmul_low_i32x4_s(t, v128.load32_splat(blk, 32)), v128.load64_splat(blk, 64)), s0);
        const q1 = i64x2.shr_s(i64x2.add(i64x2.extmul_high_i32x4_s(t, v128.load32_splat(blk, 36)), v128.load64_splat(blk, 72)), s1);
        const q2 = i64x2.shr_s(i64x2.add(i64x2.extmul_low_i32x4_s(u, v128.load32_splat(blk, 40)), v128.load64_splat(blk, 80)), s2);
        const q3 = i64x2.shr_s(i64x2.add(i64x2.extmul_high_i32x4_s(u, v128.load32_splat(blk, 44)), v128.load64_splat(blk, 88)), s3);
        // low halves of the i64 lanes -> [c0p0 c1p0 c0p1 c1p1], [c2p0 c3p0 c2p1 c3p1]
        const e01 = i32x4.shuffle(q0, q1, 0, 4, 2, 6);
        const e23 = i32x4.shuffle(q2, q3, 0, 4, 2, 6);
        const row0 = i32x4.add(i32x4.shuffle(e01, e23, 0, 1, 4, 5), zyv);
        const row1 = i32x4.add(i32x4.shuffle(e01, e23, 2, 3, 6, 7), zyv);
        const h = i16x8.narrow_i32x4_s(row0, row1);
        const b = i8x16.min_s(i8x16.max_s(i8x16.narrow_i16x8_s(h, h), qminv), qmaxv);
        if (nc == QS8_GEMM_NR) {
          v128.store32_lane(y0, b, 0);
          if (two) v128.store32_lane(y0 + yStride, b, 1);
        } else {
          v128.store(TMP, b);
          for (let j = 0; j < nc; j++) {
            store<i8>(y0 + <usize>j, load<i8>(TMP + <usize>j));
            if (two) store<i8>(y0 + yStride + <usize>j, load<i8>(TMP + 4 + <usize>j));
          }
        }
      } else {
        v128.store(TMP, t);
        v128.store(TMP, u, 16);
        for (let j = 0; j < nc; j++) {
          const mult = load<i32>(blk + 32 + (<usize>j << 2));
          const shift = load<i32>(blk + 48 + (<usize>j << 2));
          const acc = TMP + (<usize>j << 3);
          store<i8>(y0 + <usize>j, <i8>requantize(load<i32>(acc), mult, shift, zy, qmin, qmax));
          if (two) store<i8>(y0 + yStride + <usize>j, <i8>requantize(load<i32>(acc, 4), mult, shift, zy, qmin, qmax));
        }
      }
    }
  }
}

/**
 * Sign-extends `len` int8 at `src` to int16 at `dst`, 8 at a time: reads up to 7 bytes past
 * src + len (EXTRA_BYTES) and writes up to 7 int16 past dst + 2 * len (row-buffer slack, abi.ts).
 */
// @ts-ignore: decorator
@inline
export function qs8_extend_row__wasmsimd(src: usize, dst: usize, len: i32): void {
  const end = src + <usize>len;
  while (src < end) {
    v128.store(dst, v128.load8x8_s(src));
    src += QS8_GEMM_KR;
    dst += QS8_GEMM_KR << 1;
  }
}

// QGemm over a batch: tiles of tileP input rows are sign-extended into the row buffer, then
// multiplied by the packed weights (same structure as qs8_qc8w_gemm_minmax__scalar).
export function qs8_qc8w_gemm_minmax__wasmsimd(p: Qs8Qc8wGemmParams): void {
  const rowBytes = <usize>p.kPad << 1;
  let packed = p.packed, wBytes = p.wBytes;
  if (p.codeBits != 0) {
    qs8_pot_unpack__wasmsimd(p.packed, p.unpacked, (p.m + QS8_GEMM_NR - 1) / QS8_GEMM_NR, p.kPad, p.codeBits);
    packed = p.unpacked;
    wBytes = 2;
  }
  for (let r0 = 0; r0 < p.n; r0 += p.tileP) {
    const rows = min(p.tileP, p.n - r0);
    for (let r = 0; r < rows; r++) {
      qs8_extend_row__wasmsimd(p.input + <usize>(r0 + r) * <usize>p.k, p.scratch + <usize>r * rowBytes, p.k);
    }
    if (wBytes == 1) {
      qs8_qc8w_gemm_rows__wasmsimd<i8>(p.scratch, rowBytes, rows, packed, p.m, p.kPad, p.output + <usize>r0 * <usize>p.m, <usize>p.m, p.zy, p.qmin, p.qmax);
    } else {
      qs8_qc8w_gemm_rows__wasmsimd<i16>(p.scratch, rowBytes, rows, packed, p.m, p.kPad, p.output + <usize>r0 * <usize>p.m, <usize>p.m, p.zy, p.qmin, p.qmax);
    }
  }
}
