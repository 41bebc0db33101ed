import { Qs8VmulParams } from "../../abi";
import { requantize } from "../../requant";

// QMul: y = clamp(zy + requant((a - za) * (b[i mod bSize] - zb)), qmin, qmax), per image.
export function qs8_vmul__scalar(p: Qs8VmulParams): void {
  for (let img = 0; img < p.n; img++) {
    const a = p.a + <usize>img * <usize>p.size, y = p.output + <usize>img * <usize>p.size;
    const b = p.b + <usize>img * <usize>p.bSize;
    for (let base = 0; base < p.size; base += p.bSize) {
      for (let j = 0; j < p.bSize; j++) {
        const acc = (<i32>load<i8>(a + <usize>(base + j)) - p.za) * (<i32>load<i8>(b + <usize>j) - p.zb);
        store<i8>(y + <usize>(base + j), <i8>requantize(acc, p.mult, p.shift, p.zy, p.qmin, p.qmax));
      }
    }
  }
}
