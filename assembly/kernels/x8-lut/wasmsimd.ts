import { X8LutParams } from "../../abi";

// x8_lut__scalar 16 bytes at a time (XNNPACK x8-lut wasmsimd): with u = x + 128 (as u8), the
// table is 16 sub-tables of 16 bytes; i8x16.swizzle(t_k, u - 16k) is t_k[u - 16k] where that
// index is in 0..15 and 0 elsewhere (indices >= 16 as u8), so OR-ing the 16 swizzles gives
// table[u] exactly once per lane. The tail (count mod 16) is the scalar loop.
export function x8_lut__wasmsimd(p: X8LutParams): void {
  const t = p.packed;
  const t0 = v128.load(t), t1 = v128.load(t, 16), t2 = v128.load(t, 32), t3 = v128.load(t, 48);
  const t4 = v128.load(t, 64), t5 = v128.load(t, 80), t6 = v128.load(t, 96), t7 = v128.load(t, 112);
  const t8 = v128.load(t, 128), t9 = v128.load(t, 144), t10 = v128.load(t, 160), t11 = v128.load(t, 176);
  const t12 = v128.load(t, 192), t13 = v128.load(t, 208), t14 = v128.load(t, 224), t15 = v128.load(t, 240);
  const bias = i8x16.splat(-128), step = i8x16.splat(16);
  let i = 0;
  for (; i + 16 <= p.count; i += 16) {
    let u = v128.xor(v128.load(p.input + <usize>i), bias);
    let y = i8x16.swizzle(t0, u);
    u = i8x16.sub(u, step); y = v128.or(y, i8x16.swizzle(t1, u));
    u = i8x16.sub(u, step); y = v128.or(y, i8x16.swizzle(t2, u));
    u = i8x16.sub(u, step); y = v128.or(y, i8x16.swizzle(t3, u));
    u = i8x16.sub(u, step); y = v128.or(y, i8x16.swizzle(t4, u));
    u = i8x16.sub(u, step); y = v128.or(y, i8x16.swizzle(t5, u));
    u = i8x16.sub(u, step); y = v128.or(y, i8x16.swizzle(t6, u));
    u = i8x16.sub(u, step); y = v128.or(y, i8x16.swizzle(t7, u));
    u = i8x16.sub(u, step); y = v128.or(y, i8x16.swizzle(t8, u));
    u = i8x16.sub(u, step); y = v128.or(y, i8x16.swizzle(t9, u));
    u = i8x16.sub(u, step); y = v128.or(y, i8x16.swizzle(t10, u));
    u = i8x16.sub(u, step); y = v128.or(y, i8x16.swizzle(t11, u));
    u = i8x16.sub(u, step); y = v128.or(y, i8x16.swizzle(t12, u));
    u = i8x16.sub(u, step); y = v128.or(y, i8x16.swizzle(t13, u));
    u = i8x16.sub(u, step); y = v128.or(y, i8x16.swizzle(t14, u));
    u = i8x16.sub(u, step); y = v128.or(y, i8x16.swizzle(t15, u));
    v128.store(p.output + <usize>i, y);
  }
  const tc = t + 128;
  for (; i < p.count; i++) store<i8>(p.output + <usize>i, load<i8>(tc + <usize>(<i32>load<i8>(p.input + <usize>i))));
}
