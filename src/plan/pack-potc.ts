// Packer of the PoT-codes weight format (int8 kernels on power-of-two layers, resident at the
// code width): qc8w blocks whose int16 weights are replaced by 4- or 5-bit codes, which the
// kernel unpacks into int16 blocks in scratch once per call. Layout: assembly/abi/qs8.ts
// ("Power-of-two codes"); unpacking: assembly/kernels/qs8-pot-unpack.

import { ABI_CONSTANTS as C } from '../engine/abi.js';
import { potCodeBlockBytes } from '../engine/kernel-specs.js';

/**
 * Converts int16 qc8w blocks (from packQc8w with wBytes 2) of power-of-two weights to code
 * blocks. Throws unless each weight is 0 or +-2^e with e within the code width.
 */
export function packPotCodes(op: string, int16Blocks: Uint8Array, blocks: number, kPad: number, bits: 4 | 5): Uint8Array {
  const count = kPad * C.QS8_GEMM_NR, header = C.QS8_BLOCK_HEADER_BYTES;
  const inBytes = header + 2 * count, outBytes = potCodeBlockBytes(kPad, bits);
  const src = new DataView(int16Blocks.buffer, int16Blocks.byteOffset, int16Blocks.byteLength);
  const out = new Uint8Array(blocks * outBytes);
  const maxExp = bits === 5 ? 7 : 6;
  for (let b = 0; b < blocks; b++) {
    const i0 = b * inBytes, o0 = b * outBytes;
    out.set(int16Blocks.subarray(i0, i0 + header), o0);
    const nib = o0 + header, signs = nib + count / 2;
    for (let i = 0; i < count; i++) {
      const w = src.getInt16(i0 + header + 2 * i, true);
      const mag = Math.abs(w), e = mag === 0 ? -1 : 31 - Math.clz32(mag);
      if (mag !== 0 && (mag !== 2 ** e || e > maxExp)) throw new Error(`${op}: weight ${w} is not a ${bits}-bit power-of-two weight (0 or +-2^e, e <= ${maxExp})`);
      let code = e + 1;
      if (w < 0) {
        if (bits === 4) code |= 8;
        else out[signs + (i >> 3)]! |= 1 << (i & 7);
      }
      out[nib + (i >> 1)]! |= code << ((i & 1) * 4);
    }
  }
  return out;
}
