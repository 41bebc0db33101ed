import { Qs8Qc8wGemmParams, QS8_BLOCK_HEADER_BYTES, QS8_GEMM_KR, QS8_GEMM_NR } from "../../abi";
import { requantize } from "../../requant";
import { potCodeBlockBytes, qs8_pot_unpack__scalar } from "../qs8-pot-unpack/scalar";

// qs8 x qc8w GEMM with per-channel requantization, plain loops over the packed layout of
// assembly/abi/qs8.ts (int8 or int16 weights W in blocks of NR = 4 channels, K padded to KR = 8).
// The reference for qs8_qc8w_gemm_rows__wasmsimd: same packed data, same bytes out.

/**
 * y[r][j] for r < rows, j < mValid: requantize(bias'[j] + sum_k a[r][k] * w[j][k]).
 * `a`: rows of kPad int16 (stride aStride bytes; entries k >= K meet zero weights);
 * `y`: int8 rows of stride yStride bytes.
 */
export function qs8_qc8w_gemm_rows__scalar<W>(
  a: usize, aStride: usize, rows: i32,
  packed: usize, mValid: i32, kPad: i32,
  y: usize, yStride: usize, zy: i32, qmin: i32, qmax: i32,
): void {
  const blockBytes = <usize>(QS8_BLOCK_HEADER_BYTES + kPad * QS8_GEMM_NR * sizeof<W>());
  const chunkBytes = <usize>(QS8_GEMM_KR * QS8_GEMM_NR * sizeof<W>());
  for (let m0 = 0, blk = packed; m0 < mValid; m0 += QS8_GEMM_NR, blk += blockBytes) {
    const nc = min(QS8_GEMM_NR, mValid - m0);
    for (let r = 0; r < rows; r++) {
      const row = a + <usize>r * aStride;
      const yr = y + <usize>r * yStride + <usize>m0;
      for (let j = 0; j < nc; j++) {
        let acc = load<i32>(blk + (<usize>j << 3)); // bias pair b_j b_j
        let wp = blk + QS8_BLOCK_HEADER_BYTES + <usize>j * (QS8_GEMM_KR * sizeof<W>()); // channel j's 8 weights of chunk 0
        for (let k = 0; k < kPad; k += QS8_GEMM_KR, wp += chunkBytes) {
          for (let e = 0; e < QS8_GEMM_KR; e++) {
            acc += <i32>load<i16>(row + (<usize>(k + e) << 1)) * <i32>load<W>(wp + <usize>e * sizeof<W>());
          }
        }
        const mult = load<i32>(blk + 32 + (<usize>j << 2));
        const shift = load<i32>(blk + 48 + (<usize>j << 2));
        store<i8>(yr + <usize>j, <i8>requantize(acc, mult, shift, zy, qmin, qmax));
      }
    }
  }
}

/** Sign-extends `len` int8 at `src` to int16 at `dst`. */
export function qs8_extend_row__scalar(src: usize, dst: usize, len: i32): void {
  for (let i = 0; i < len; i++) store<i16>(dst + (<usize>i << 1), <i16>load<i8>(src + <usize>i));
}

// QGemm over a batch: PoT codes are first unpacked into int16 blocks; each tile of tileP input
// rows is sign-extended into the row buffer, then multiplied by the packed weights.
export function qs8_qc8w_gemm_minmax__scalar(p: Qs8Qc8wGemmParams): void {
  const rowBytes = <usize>p.kPad << 1;
  let packed = p.packed, wBytes = p.wBytes;
  if (p.codeBits != 0) {
    qs8_pot_unpack__scalar(p.packed, p.unpacked, (p.m + QS8_GEMM_NR - 1) / QS8_GEMM_NR, p.kPad, p.codeBits);
    packed = p.unpacked;
    wBytes = 2;
  }
  for (let r0 = 0; r0 < p.n; r0 += p.tileP) {
    const rows = min(p.tileP, p.n - r0);
    for (let r = 0; r < rows; r++) {
      qs8_extend_row__scalar(p.input + <usize>(r0 + r) * <usize>p.k, p.scratch + <usize>r * rowBytes, p.k);
    }
    if (wBytes == 1) {
      qs8_qc8w_gemm_rows__scalar<i8>(p.scratch, rowBytes, rows, packed, p.m, p.kPad, p.output + <usize>r0 * <usize>p.m, <usize>p.m, p.zy, p.qmin, p.qmax);
    } else {
      qs8_qc8w_gemm_rows__scalar<i16>(p.scratch, rowBytes, rows, packed, p.m, p.kPad, p.output + <usize>r0 * <usize>p.m, <usize>p.m, p.zy, p.qmin, p.qmax);
    }
  }
}
