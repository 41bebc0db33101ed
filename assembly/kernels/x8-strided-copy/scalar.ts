import { X8StridedCopyParams } from "../../abi";

// QStridedCopy (Slice + constant Pad) over a rank-4 per-image shape: fill each output image
// with `fill`, then copy the inner box [lo, hi) row by row; a row whose source step is 1 is one
// memory.copy. Works on bytes, so it serves any 8-bit type (x8).
export function x8_strided_copy__scalar(p: X8StridedCopyParams): void {
  const len = p.hi3 - p.lo3;
  for (let b = 0; b < p.n; b++) {
    const x = p.input + <usize>b * <usize>p.inSize;
    const y = p.output + <usize>b * <usize>p.outSize;
    memory.fill(y, <u8>p.fill, <usize>p.outSize);
    if (len <= 0) continue;
    for (let o0 = p.lo0; o0 < p.hi0; o0++) {
      for (let o1 = p.lo1; o1 < p.hi1; o1++) {
        for (let o2 = p.lo2; o2 < p.hi2; o2++) {
          const src = p.srcOrigin + (o0 - p.lo0) * p.src0 + (o1 - p.lo1) * p.src1 + (o2 - p.lo2) * p.src2;
          const dst = y + <usize>(((o0 * p.out1 + o1) * p.out2 + o2) * p.out3 + p.lo3);
          if (p.src3 == 1) {
            memory.copy(dst, x + <usize>src, <usize>len);
          } else {
            for (let i = 0; i < len; i++) store<i8>(dst + <usize>i, load<i8>(x + <usize>(src + i * p.src3)));
          }
        }
      }
    }
  }
}
