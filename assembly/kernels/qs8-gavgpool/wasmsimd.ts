import { Qs8GavgpoolParams } from "../../abi";
import { requantize } from "../../requant";
import { threadLocal } from "../../thread-local";

// qs8_gavgpool__scalar with 16 channels per step: each pixel's 16 bytes are widened to four
// i32x4 sums; sum (x - zx) = sum x - pixels * zx (exact in i32, wrapping or not). The
// per-tensor requantization of the c results is scalar (c values per image, not worth a vector).
const TMP_STATIC = memory.data(64, 16);

/** The 16 i32 sums at acc (64 bytes, 16-aligned) all set to v. */
// @ts-ignore: decorator
@inline
export function qs8_sum16_splat__wasmsimd(acc: usize, v: i32): void {
  const s = i32x4.splat(v);
  v128.store(acc, s);
  v128.store(acc, s, 16);
  v128.store(acc, s, 32);
  v128.store(acc, s, 48);
}

/**
 * Adds the 16 int8 values at src, src + step, ... (count of them), each widened to i32, to the
 * 16 sums at acc: one channel group over the pixels of a map, or (qs8_avgpool__wasmsimd) over
 * the in-bounds cells of one window row. The sums stay in registers over the run.
 */
// @ts-ignore: decorator
@inline
export function qs8_sum16_run__wasmsimd(acc: usize, src: usize, step: usize, count: i32): void {
  let s0 = v128.load(acc), s1 = v128.load(acc, 16), s2 = v128.load(acc, 32), s3 = v128.load(acc, 48);
  for (let q = 0; q < count; q++, src += step) {
    const v = v128.load(src);
    const lo = i16x8.extend_low_i8x16_s(v);
    const hi = i16x8.extend_high_i8x16_s(v);
    s0 = i32x4.add(s0, i32x4.extend_low_i16x8_s(lo));
    s1 = i32x4.add(s1, i32x4.extend_high_i16x8_s(lo));
    s2 = i32x4.add(s2, i32x4.extend_low_i16x8_s(hi));
    s3 = i32x4.add(s3, i32x4.extend_high_i16x8_s(hi));
  }
  v128.store(acc, s0);
  v128.store(acc, s1, 16);
  v128.store(acc, s2, 32);
  v128.store(acc, s3, 48);
}

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
      qs8_sum16_splat__wasmsimd(TMP, bias);
      qs8_sum16_run__wasmsimd(TMP, x + <usize>ch, stride, p.pixels);
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
