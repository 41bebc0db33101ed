import { Qs8VmulParams } from "../../abi";
import { requantize } from "../../requant";

// qs8_vmul__scalar with the products 8 at a time: (a - za) and (b - zb) as i16x8 (|.| <= 255),
// their i32 products by extmul; the requantization of each product is the scalar rule.
const TMP = memory.data(32, 16);

export function qs8_vmul__wasmsimd(p: Qs8VmulParams): void {
  const za = i16x8.splat(<i16>p.za), zb = i16x8.splat(<i16>p.zb);
  for (let img = 0; img < p.n; img++) {
    const a = p.a + <usize>img * <usize>p.size, y = p.output + <usize>img * <usize>p.size;
    const b = p.b + <usize>img * <usize>p.bSize;
    for (let base = 0; base < p.size; base += p.bSize) {
      let j = 0;
      for (; j + 8 <= p.bSize; j += 8) {
        const va = i16x8.sub(i16x8.extend_low_i8x16_s(v128.load64_zero(a + <usize>(base + j))), za);
        const vb = i16x8.sub(i16x8.extend_low_i8x16_s(v128.load64_zero(b + <usize>j)), zb);
        v128.store(TMP, i32x4.extmul_low_i16x8_s(va, vb));
        v128.store(TMP, i32x4.extmul_high_i16x8_s(va, vb), 16);
        for (let k = 0; k < 8; k++) store<i8>(y + <usize>(base + j + k), <i8>requantize(load<i32>(TMP + (<usize>k << 2)), p.mult, p.shift, p.zy, p.qmin, p.qmax));
      }
      for (; j < p.bSize; j++) {
        const acc = (<i32>load<i8>(a + <usize>(base + j)) - p.za) * (<i32>load<i8>(b + <usize>j) - p.zb);
        store<i8>(y + <usize>(base + j), <i8>requantize(acc, p.mult, p.shift, p.zy, p.qmin, p.qmax));
      }
    }
  }
}
