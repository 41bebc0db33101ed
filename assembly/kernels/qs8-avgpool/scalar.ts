import { Qs8AvgpoolParams } from "../../abi";
import { requantize } from "../../requant";

// QAvgPool (src/ir/qgraph-ops.ts), int8 NHWC. Rounding: the one requantization rule,
// floor((acc * mult[d-1] + 2^(shift-1)) / 2^shift) (round half toward +infinity), with the
// (mult, shift) of s_x / (s_y * d) for the window's divisor d; the sum is exact in i32
// (at most 2^16 cells of |x - zx| <= 255).

/** Cells counted along one axis for output position o: taps inside [lo, hi). */
// @ts-ignore: decorator
@inline
export function avgpoolCounted(o: i32, s: i32, p: i32, k: i32, dl: i32, lo: i32, hi: i32): i32 {
  let c = 0;
  for (let i = 0; i < k; i++) {
    const v = o * s - p + i * dl;
    if (v >= lo && v < hi) c++;
  }
  return c;
}

export function qs8_avgpool__scalar(p: Qs8AvgpoolParams): void {
  const c = p.c;
  for (let b = 0; b < p.n; b++) {
    const x = p.input + <usize>b * <usize>(p.h * p.w * c);
    for (let oy = 0; oy < p.oh; oy++) {
      const dh = avgpoolCounted(oy, p.strideH, p.padTop, p.kh, p.dilationH, p.cntLoH, p.cntHiH);
      for (let ox = 0; ox < p.ow; ox++) {
        const d = dh * avgpoolCounted(ox, p.strideW, p.padLeft, p.kw, p.dilationW, p.cntLoW, p.cntHiW);
        const y = p.output + <usize>(((b * p.oh + oy) * p.ow + ox) * c);
        const mult = d > 0 ? load<i32>(p.packed + (<usize>(d - 1) << 3)) : 0;
        const shift = d > 0 ? load<i32>(p.packed + (<usize>(d - 1) << 3), 4) : 1;
        for (let ch = 0; ch < c; ch++) {
          let acc = 0;
          for (let i = 0; i < p.kh; i++) {
            const iy = oy * p.strideH - p.padTop + i * p.dilationH;
            if (iy < 0 || iy >= p.h) continue;
            for (let j = 0; j < p.kw; j++) {
              const ix = ox * p.strideW - p.padLeft + j * p.dilationW;
              if (ix < 0 || ix >= p.w) continue;
              acc += <i32>load<i8>(x + <usize>((iy * p.w + ix) * c + ch)) - p.zx;
            }
          }
          store<i8>(y + <usize>ch, <i8>(d > 0 ? requantize(acc, mult, shift, p.zy, -128, 127) : p.zy));
        }
      }
    }
  }
}
