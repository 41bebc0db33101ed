import { Qs8GavgpoolParams } from "../../abi";
import { requantize } from "../../requant";
import { threadLocal } from "../../thread-local";

// qs8_gavgpool__scalar with 16 channels per step: each pixel's 16 bytes are widened to four
// i32x4 sums; sum (x - zx) = sum x - pixels * zx (exact in i32, wrapping or not). The
// per-tensor requantization of the c results is scalar (c values per image, not worth a vector).
const TMP_STATIC = memory.data(64, 16);

export function qs8_gavgpool__wasmsimd(p: Qs8GavgpoolParams): void {
  const TMP = threadLocal(TMP_STATIC);
  const c = p.c;
  const bias = -p.pixels * p.zx;
  const stride = <usize>c;
  for (let b = 0; b < p.n; b++) {
    const x = p.input + <usize>b * <usize>(p.pixels * c);
    const y = p.output + <usize>(b * c);
    let ch = 0;
    for (; ch + 16 <= c; ch += 16) {
      let s0 = i32x4.splat(bias), s1 = s0, s2 = s0, s3 = s0;
      let src = x + <usize>ch;
      for (let q = 0; q < p.pixels; q++, src += stride) {
        const v = v128.load(src);
        const lo = i16x8.extend_low_i8x16_s(v);
        const hi = i16x8.extend_high_i8x16_s(v);
        s0 = i32x4.add(s0, i32x4.extend_low_i16x8_s(lo));
        s1 = i32x4.add(s1, i32x4.extend_high_i16x8_s(lo));
        s2 = i32x4.add(s2, i32x4.extend_low_i16x8_s(hi));
        s3 = i32x4.add(s3, i32x4.extend_high_i16x8_s(hi));
      }
      v128.store(TMP, s0);
      v128.store(TMP, s1, 16);
      v128.store(TMP, s2, 32);
      v128.store(TMP, s3, 48);
      for (let j = 0; j < 16; j++) {
        store<i8>(y + <usize>(ch + j), <i8>requantize(load<i32>(TMP + (<usize>j << 2)), p.mult, p.shift, p.zy, -128, 127));
      }
    }
    for (; ch < c; ch++) {
      let acc = 0;
      for (let q = 0; q < p.pixels; q++) acc += <i32>load<i8>(x + <usize>(q * c + ch)) - p.zx;
      store<i8>(y + <usize>ch, <i8>requantize(acc, p.mult, p.shift, p.zy, -128, 127));
    }
  }
}
