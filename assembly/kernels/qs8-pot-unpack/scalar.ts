import { QS8_BLOCK_HEADER_BYTES, QS8_GEMM_NR } from "../../abi";

// Power-of-two codes (or int8 weights, bits = 8) -> int16 qc8w blocks (layout: assembly/abi/qs8.ts,
// "Power-of-two codes"): each block's 96-byte header is copied, then every code becomes its
// weight 0 or +-2^e (int8 weights are sign-extended).
// The reference twin of qs8_pot_unpack__wasmsimd (same bytes out).

/** Bytes of one block of codes (header included). */
// @ts-ignore: decorator
@inline
export function potCodeBlockBytes(kPad: i32, bits: i32): usize {
  return <usize>(QS8_BLOCK_HEADER_BYTES + ((kPad * QS8_GEMM_NR * bits) >> 3));
}

export function qs8_pot_unpack__scalar(src: usize, dst: usize, blocks: i32, kPad: i32, bits: i32): void {
  const count = kPad * QS8_GEMM_NR;
  const inBytes = potCodeBlockBytes(kPad, bits);
  const outBytes = <usize>(QS8_BLOCK_HEADER_BYTES + count * 2);
  for (let b = 0; b < blocks; b++, src += inBytes, dst += outBytes) {
    memory.copy(dst, src, QS8_BLOCK_HEADER_BYTES);
    qs8_pot_unpack_run__scalar(src + QS8_BLOCK_HEADER_BYTES, dst + QS8_BLOCK_HEADER_BYTES, count, bits);
  }
}

/** One run of `count` codes at `nib` (the block body above, without header) -> int16 at `w`. */
export function qs8_pot_unpack_run__scalar(nib: usize, w: usize, count: i32, bits: i32): void {
  const signs = nib + <usize>(count >> 1);
  for (let i = 0; i < count; i++) {
    if (bits == 8) {
      store<i16>(w + (<usize>i << 1), <i16>load<i8>(nib + <usize>i));
      continue;
    }
    const code = (<i32>load<u8>(nib + <usize>(i >> 1)) >> ((i & 1) << 2)) & 15;
    let v: i32;
    if (bits == 4) {
      const mag = code & 7;
      v = mag == 0 ? 0 : 1 << (mag - 1);
      if (code & 8) v = -v;
    } else {
      v = code == 0 ? 0 : 1 << (code - 1);
      if ((<i32>load<u8>(signs + <usize>(i >> 3)) >> (i & 7)) & 1) v = -v;
    }
    store<i16>(w + (<usize>i << 1), <i16>v);
  }
}
