import { Qs8VaddParams } from "../../abi";
import { clamp, roundingShift } from "../../requant";

// QAdd (residual add): y = clamp(zy + roundingShift((a - za) * aMult + (b - zb) * bMult, shift), qmin, qmax).
// |aMult|, |bMult| < 2^22 keep the i32 sum exact (2 * 255 * 2^22 < 2^31). In place is allowed.
// see: XNNPACK src/qs8-vadd/gen/qs8-vadd-minmax-scalar-u1.c
export function qs8_vadd_minmax__scalar(p: Qs8VaddParams): void {
  for (let i = 0; i < p.count; i++) {
    const acc = (<i32>load<i8>(p.a + <usize>i) - p.za) * p.aMult + (<i32>load<i8>(p.b + <usize>i) - p.zb) * p.bMult;
    store<i8>(p.output + <usize>i, <i8>clamp(p.zy + roundingShift(acc, p.shift), p.qmin, p.qmax));
  }
}
