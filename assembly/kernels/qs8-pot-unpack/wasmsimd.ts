import { QS8_BLOCK_HEADER_BYTES, QS8_GEMM_NR } from "../../abi";
import { potCodeBlockBytes } from "./scalar";

// Power-of-two codes -> int16 qc8w blocks, SIMD128, 32 weights per step: 16 bytes of nibbles
// are split and interleaved back into code order (i8x16.shuffle), then mapped to values by a
// 16-entry byte table (i8x16.swizzle). 4-bit: the table holds the signed values (+-64 at most,
// an i8). 5-bit: the table holds the magnitudes 0..128 as u8 (widened unsigned), and the sign
// plane is expanded to lane masks (byte broadcast, AND with the lane's bit, compare) that
// negate by (v ^ m) - m. Same bytes as qs8_pot_unpack__scalar.
// see: XNNPACK src/x8-lut/ (table lookups with i8x16.swizzle)

const T4 = memory.data<i8>([0, 1, 2, 4, 8, 16, 32, 64, 0, -1, -2, -4, -8, -16, -32, -64]);
const T5 = memory.data<u8>([0, 1, 2, 4, 8, 16, 32, 64, 128, 0, 0, 0, 0, 0, 0, 0]);
const BITS = memory.data<u8>([1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128]);

// @ts-ignore: decorator
@inline
function signMask16(signs: v128, lane: i32, bits: v128): v128 {
  // lanes 0-7 <- sign byte `lane`, lanes 8-15 <- byte `lane + 1`
  const idx = i8x16.add(i8x16.splat(<i8>lane), i8x16(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
  const b = v128.and(i8x16.swizzle(signs, idx), bits);
  return i8x16.eq(b, bits);
}

export function qs8_pot_unpack__wasmsimd(src: usize, dst: usize, blocks: i32, kPad: i32, bits: i32): void {
  const count = kPad * QS8_GEMM_NR; // a multiple of 32
  const inBytes = potCodeBlockBytes(kPad, bits);
  const outBytes = <usize>(QS8_BLOCK_HEADER_BYTES + count * 2);
  for (let b = 0; b < blocks; b++, src += inBytes, dst += outBytes) {
    for (let o: usize = 0; o < <usize>QS8_BLOCK_HEADER_BYTES; o += 16) v128.store(dst + o, v128.load(src + o));
    qs8_pot_unpack_run__wasmsimd(src + QS8_BLOCK_HEADER_BYTES, dst + QS8_BLOCK_HEADER_BYTES, count, bits);
  }
}

/** One run of `count` (a multiple of 32) codes at `nib` (a block body, without header) -> int16 at `w`. */
export function qs8_pot_unpack_run__wasmsimd(nib: usize, w: usize, count: i32, bits: i32): void {
  const low = i8x16.splat(15);
  const t4 = v128.load(T4), t5 = v128.load(T5), bitv = v128.load(BITS);
  let signs = nib + <usize>(count >> 1);
  if (bits == 8) { // int8 weights: sign-extend 16 at a time
    const end8 = nib + <usize>count;
    for (; nib < end8; nib += 16, w += 32) {
      const v = v128.load(nib);
      v128.store(w, i16x8.extend_low_i8x16_s(v));
      v128.store(w, i16x8.extend_high_i8x16_s(v), 16);
    }
    return;
  }
  const end = nib + <usize>(count >> 1);
  while (nib < end) {
    const v = v128.load(nib);
    const lo = v128.and(v, low), hi = i8x16.shr_u(v, 4);
    const c0 = i8x16.shuffle(lo, hi, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const c1 = i8x16.shuffle(lo, hi, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    if (bits == 4) {
      const v0 = i8x16.swizzle(t4, c0), v1 = i8x16.swizzle(t4, c1);
      v128.store(w, i16x8.extend_low_i8x16_s(v0));
      v128.store(w, i16x8.extend_high_i8x16_s(v0), 16);
      v128.store(w, i16x8.extend_low_i8x16_s(v1), 32);
      v128.store(w, i16x8.extend_high_i8x16_s(v1), 48);
    } else {
      const m0 = i8x16.swizzle(t5, c0), m1 = i8x16.swizzle(t5, c1);
      const s = v128.load32_zero(signs); // 32 sign bits
      const k0 = signMask16(s, 0, bitv), k1 = signMask16(s, 2, bitv);
      const a = i16x8.extend_low_i8x16_u(m0), am = i16x8.extend_low_i8x16_s(k0);
      const bq = i16x8.extend_high_i8x16_u(m0), bm = i16x8.extend_high_i8x16_s(k0);
      const c = i16x8.extend_low_i8x16_u(m1), cm = i16x8.extend_low_i8x16_s(k1);
      const d = i16x8.extend_high_i8x16_u(m1), dm = i16x8.extend_high_i8x16_s(k1);
      v128.store(w, i16x8.sub(v128.xor(a, am), am));
      v128.store(w, i16x8.sub(v128.xor(bq, bm), bm), 16);
      v128.store(w, i16x8.sub(v128.xor(c, cm), cm), 32);
      v128.store(w, i16x8.sub(v128.xor(d, dm), dm), 48);
      signs += 4;
    }
    nib += 16;
    w += 64;
  }
}
