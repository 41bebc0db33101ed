// Packer of the qc8w weight format (int8 kernels): per group, blocks of QS8_GEMM_NR output
// channels with a header (bias', mult, shift, rounding) and int16 weights, K padded to
// QS8_GEMM_KR. Layout: assembly/abi/qs8.ts ("Packed qc8w weights").

import { ABI_CONSTANTS as C } from '../engine/abi.js';
import { qc8wPackedBytes } from '../engine/kernel-specs.js';

/** Row-buffer tile budget (int16 rows): small enough to stay in L1 next to one weight block. */
export const QS8_TILE_BYTES = 16 * 1024;

/** Row-buffer tile: as many kPad-int16 rows as fit QS8_TILE_BYTES, at least one register block, at most `maxRows`. */
export function tileRows(kPad: number, maxRows: number): number {
  const fit = Math.max(C.QS8_GEMM_MR, Math.floor(QS8_TILE_BYTES / (kPad * 2 * C.QS8_GEMM_MR)) * C.QS8_GEMM_MR);
  return Math.max(1, Math.min(fit, maxRows));
}

export interface PackedQc8w {
  bytes: Uint8Array;
  /** K rounded up to QS8_GEMM_KR */
  kPad: number;
  /** bytes of block headers (per-channel constants), the rest are weights */
  constantBytes: number;
}

/**
 * Packs `groups` x `mg` output channels of K integer weights (row ch*K + k of `weights`):
 * int16 weights, K padded with zeros, bias folded with -zx * sum(w).
 */
export function packQc8w(
  weights: ArrayLike<number>, bias: Int32Array, mult: ArrayLike<number>, shift: ArrayLike<number>,
  groups: number, mg: number, k: number, zx: number,
): PackedQc8w {
  const NR = C.QS8_GEMM_NR, KR = C.QS8_GEMM_KR, HEADER = C.QS8_BLOCK_HEADER_BYTES;
  const kPad = Math.ceil(k / KR) * KR;
  const blocks = Math.ceil(mg / NR);
  const blockBytes = HEADER + kPad * NR * 2;
  const out = new ArrayBuffer(qc8wPackedBytes(groups, mg, kPad));
  const i32 = new Int32Array(out);
  const i16 = new Int16Array(out);
  for (let g = 0; g < groups; g++) {
    for (let b = 0; b < blocks; b++) {
      const base = (g * blocks + b) * blockBytes;
      for (let j = 0; j < NR; j++) {
        const local = b * NR + j;
        const h = base >> 2;
        if (local >= mg) {
          i32[h + 12 + j] = C.QS8_PAD_CHANNEL_SHIFT;
          continue;
        }
        const ch = g * mg + local;
        let sum = 0;
        for (let kk = 0; kk < k; kk++) {
          const w = weights[ch * k + kk]!;
          sum += w;
          i16[((base + HEADER) >> 1) + (kk >> 3) * (KR * NR) + j * KR + (kk & 7)] = w;
        }
        const folded = (bias[ch]! - zx * sum) | 0; // kernel sums are modulo 2^32; the true accumulator fits an i32
        i32[h + 2 * j] = folded;
        i32[h + 2 * j + 1] = folded;
        i32[h + 8 + j] = mult[ch]!;
        i32[h + 12 + j] = shift[ch]!;
        const round = 2 ** (shift[ch]! - 1); // little-endian i64 as two i32 halves
        i32[h + 16 + 2 * j] = round % 2 ** 32;
        i32[h + 16 + 2 * j + 1] = Math.floor(round / 2 ** 32);
      }
    }
  }
  return { bytes: new Uint8Array(out), kPad, constantBytes: groups * blocks * HEADER };
}
