import { Qs8GavgpoolParams } from "../../abi";
import { requantize } from "../../requant";

// QGlobalAvgPool, int8 NHWC: y[n][c] = clamp(zy + requant(sum_p (x[n][p][c] - zx)), -128, 127).
// The sum is exact in i32 for pixels < 2^23 (the host checks).
export function qs8_gavgpool__scalar(p: Qs8GavgpoolParams): void {
  const c = p.c;
  for (let b = 0; b < p.n; b++) {
    const x = p.input + <usize>b * <usize>(p.pixels * c);
    const y = p.output + <usize>(b * c);
    for (let ch = 0; ch < c; ch++) {
      let acc = 0;
      for (let q = 0; q < p.pixels; q++) acc += <i32>load<i8>(x + <usize>(q * c + ch)) - p.zx;
      store<i8>(y + <usize>ch, <i8>requantize(acc, p.mult, p.shift, p.zy, -128, 127));
    }
  }
}
